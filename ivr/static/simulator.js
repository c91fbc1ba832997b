// The softphone: keeps no call logic of its own; the server walks the TwiML and returns each turn.
(function () {
  "use strict";
  const $ = (id) => document.getElementById(id);
  const csrf = document.querySelector('meta[name="csrf-token"]').content;
  const base = document.location.pathname.replace(/\/$/, "");
  let callId = null, turn = null, digits = "", recorder = null, chunks = [], startedAt = 0;
  let playQueue = [], inboxSince = 0;

  async function api(path, body, isForm) {
    const options = { method: "POST", headers: { "X-CSRFToken": csrf } };
    if (isForm) { options.body = body; } else {
      options.headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(body || {});
    }
    const response = await fetch(base + "/api" + path, options);
    const data = await response.json().catch(() => ({ error: "The server answered " + response.status }));
    if (!response.ok || data.error) { showError(data.error || ("Error " + response.status)); return null; }
    return data;
  }

  function showError(message) {
    $("status").textContent = message;
    $("status").className = "badge warn";
  }

  function show(data) {
    if (!data) return;
    callId = data.call_id; turn = data; digits = "";
    data.heard.forEach((item) => {
      const li = document.createElement("li");
      li.textContent = item.kind === "say" ? "🗣 " + item.text : item.kind === "play" ? "♪ " + item.url.split("?")[0].split("/").pop() : "… pause";
      li.dataset.kind = item.kind;
      $("heard").appendChild(li);
      playQueue.push(item);
    });
    data.documents.forEach(([url, xml]) => {
      const block = document.createElement("details");
      block.innerHTML = "<summary></summary><pre></pre>";
      block.querySelector("summary").textContent = "POST " + new URL(url).pathname + new URL(url).search;
      block.querySelector("pre").textContent = xml;
      $("twiml").prepend(block);
    });
    const waiting = data.waiting;
    $("status").className = "badge";
    $("status").textContent = waiting === "gather" ? "Waiting for keys" : waiting === "record" ? "Waiting for a recording" : "Call ended: " + data.end_reason;
    document.querySelectorAll(".key").forEach((k) => (k.disabled = waiting !== "gather"));
    $("silence").disabled = waiting !== "gather";
    $("record").disabled = waiting !== "record";
    $("hangup").disabled = waiting === "ended";
    $("call").disabled = waiting !== "ended";
    if (waiting === "ended") callId = null;
    playNext();
  }

  function playNext() {
    if (!playQueue.length) return;
    const item = playQueue.shift();
    if (item.kind === "play") {
      $("player").src = item.url;
      $("player").play().catch(() => playNext());
    } else if (item.kind === "say" && window.speechSynthesis) {
      const utterance = new SpeechSynthesisUtterance(item.text);
      utterance.lang = item.language || "hi-IN";
      utterance.onend = playNext;
      speechSynthesis.speak(utterance);
    } else {
      playNext();
    }
  }
  $("player").addEventListener("ended", playNext);

  function stopAudio() {
    playQueue = [];
    $("player").pause();
    if (window.speechSynthesis) speechSynthesis.cancel();
  }

  $("call").addEventListener("click", async () => {
    $("heard").innerHTML = ""; $("twiml").innerHTML = "";
    // A curator's "preview in the simulator" link opens the page with ?preview_item=<id>.
    const previewItem = new URLSearchParams(document.location.search).get("preview_item");
    show(await api("/call", { caller: $("caller").value.trim(), preview_item: previewItem }));
  });

  document.querySelectorAll(".key").forEach((key) =>
    key.addEventListener("click", async () => {
      if (!callId || !turn || turn.waiting !== "gather") return;
      stopAudio();
      digits += key.dataset.key;
      const wanted = parseInt(turn.options.numDigits || "0", 10);
      const finish = turn.options.finishOnKey === undefined ? "#" : turn.options.finishOnKey;
      if ((wanted && digits.length >= wanted) || (finish && key.dataset.key === finish) || !wanted) {
        show(await api("/" + callId + "/press", { digits: digits }));
      }
    })
  );

  $("silence").addEventListener("click", async () => { stopAudio(); show(await api("/" + callId + "/silence")); });

  $("hangup").addEventListener("click", async () => {
    stopAudio();
    if (recorder && recorder.state === "recording") { finishRecording(true); return; }
    show(await api("/" + callId + "/hangup"));
  });

  $("record").addEventListener("click", async () => {
    stopAudio();
    try {
      const stream = await navigator.mediaDevices.getUserMedia({ audio: true });
      chunks = [];
      recorder = new MediaRecorder(stream);
      recorder.ondataavailable = (event) => chunks.push(event.data);
      recorder.start();
      startedAt = Date.now();
      $("status").textContent = "Recording… press Stop or # when done";
      $("record").disabled = true; $("stop").disabled = false;
    } catch (error) {
      showError("The microphone is not available: " + error.message);
    }
  });

  function finishRecording(hangUp) {
    recorder.onstop = async () => {
      recorder.stream.getTracks().forEach((t) => t.stop());
      const form = new FormData();
      const blob = new Blob(chunks, { type: recorder.mimeType || "audio/webm" });
      form.append("audio", blob, "recording");
      form.append("seconds", String((Date.now() - startedAt) / 1000));
      if (hangUp) form.append("hangup", "1");
      $("stop").disabled = true;
      show(await api("/" + callId + "/record", form, true));
    };
    recorder.stop();
  }
  $("stop").addEventListener("click", () => finishRecording(false));

  async function pollInbox() {
    const number = $("caller").value.trim();
    const response = await fetch(base + "/api/inbox?number=" + encodeURIComponent(number) + "&since=" + inboxSince);
    if (response.ok) {
      const data = await response.json();
      if (data.messages.length && inboxSince === 0) $("inbox").innerHTML = "";
      data.messages.forEach((m) => {
        inboxSince = Math.max(inboxSince, m.id);
        const li = document.createElement("li");
        if (m.kind === "sms") {
          li.textContent = "✉ SMS: " + m.body;
        } else {
          li.textContent = "☎ The phone rings (a call from the line) ";
          const answer = document.createElement("button");
          answer.type = "button"; answer.textContent = "Answer";
          answer.addEventListener("click", async () => {
            $("heard").innerHTML = ""; $("twiml").innerHTML = "";
            show(await api("/answer/" + m.id));
            answer.disabled = true;
          });
          li.appendChild(answer);
        }
        $("inbox").prepend(li);
      });
    }
    setTimeout(pollInbox, 3000);
  }
  $("caller").addEventListener("change", () => { inboxSince = 0; $("inbox").innerHTML = ""; });
  pollInbox();
})();
