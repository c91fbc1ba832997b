// The softphone: keeps no call logic of its own; the server walks the TwiML and returns each turn.
// Its words come from the page (data-words on #phone), in the page's language.
(function () {
  "use strict";
  const $ = (id) => document.getElementById(id);
  const csrf = document.querySelector('meta[name="csrf-token"]').content;
  const base = document.location.pathname.replace(/\/$/, "");
  const words = JSON.parse($("phone").dataset.words);
  const fill = (text, values) => text.replace(/\{(\w+)\}/g, (whole, name) => (name in values ? values[name] : whole));
  let callId = null, turn = null, digits = "", recorder = null, chunks = [], startedAt = 0;
  let playQueue = [], playing = null;

  async function api(path, body, isForm) {
    const options = { method: "POST", headers: { "X-CSRFToken": csrf } };
    if (isForm) { options.body = body; } else {
      options.headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(body || {});
    }
    const response = await fetch(base + "/api" + path, options);
    const data = await response.json().catch(() => ({ error: fill(words.server_said, { status: response.status }) }));
    if (!response.ok || data.error) { showError(data.error || fill(words.server_said, { status: response.status })); return null; }
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
      li.textContent = item.kind === "say" ? "🗣 " + item.text : item.kind === "play" ? "♪ " + item.url.split("?")[0].split("/").pop() : words.pause;
      li.dataset.kind = item.kind;
      if (item.kind === "say") li.lang = (item.language || "").split("-")[0] || document.documentElement.lang;
      $("heard").appendChild(li);
      playQueue.push({ item: item, li: li });
    });
    data.documents.forEach(([url, xml]) => {
      const block = document.createElement("details");
      block.innerHTML = "<summary></summary><pre></pre>";
      block.querySelector("summary").textContent = "POST " + new URL(url).pathname + new URL(url).search;
      block.querySelector("pre").textContent = xml;
      $("twiml").prepend(block);
    });
    const waiting = data.waiting;
    const reason = words.reasons[data.end_reason] || data.end_reason;
    $("status").className = "badge";
    $("status").textContent = waiting === "gather" ? words.waiting_keys : waiting === "record" ? words.waiting_recording : fill(words.ended, { reason: reason });
    document.querySelectorAll(".key").forEach((k) => (k.disabled = waiting !== "gather"));
    $("silence").disabled = waiting !== "gather";
    $("record").disabled = waiting !== "record";
    $("hangup").disabled = waiting === "ended";
    $("call").disabled = waiting !== "ended";
    if (waiting === "ended") callId = null;
    if (!playing) playNext();
  }

  // --- what the caller hears: the browser's own voice if it has one for the language, else the
  // app's audio (the TwiML's <Play> URLs, and <Say> words spoken by the server), else the words as text.

  function voiceFor(language) {
    if (!window.speechSynthesis) return null;
    const wanted = (language || "").toLowerCase(), short = wanted.split("-")[0];
    const voices = speechSynthesis.getVoices();
    return voices.find((v) => v.lang.toLowerCase() === wanted) || voices.find((v) => v.lang.toLowerCase().split(/[-_]/)[0] === short) || null;
  }

  function playNext() {
    if (playing) playing.li.classList.remove("now");
    playing = playQueue.shift() || null;
    if (!playing) return;
    const { item, li } = playing;
    li.classList.add("now");
    if (item.kind === "play") {
      playUrl(item.url);
    } else if (item.kind === "say") {
      const voice = voiceFor(item.language);
      if (voice) {
        const utterance = new SpeechSynthesisUtterance(item.text);
        utterance.voice = voice; utterance.lang = voice.lang;
        utterance.onend = finished; utterance.onerror = () => playServerSpeech(item);
        speechSynthesis.speak(utterance);
      } else {
        playServerSpeech(item);
      }
    } else {
      finished();
    }
  }

  function playServerSpeech(item) {
    const language = (item.language || document.documentElement.lang || "hi").split("-")[0];
    playUrl(base + "/api/speech/" + encodeURIComponent(language) + "?text=" + encodeURIComponent(item.text));
  }

  function playUrl(url) {
    const player = $("player");
    player.src = url;
    player.play().catch(cannotPlay);
  }

  function finished() {
    if (playing) playing.li.classList.add("played");
    playNext();
  }

  function cannotPlay() {
    // Nothing can speak here: the words stay on the page, marked, and the person is told to read them.
    if (!playing) return;
    const mark = document.createElement("span");
    mark.className = "badge warn";
    mark.textContent = words.shown;
    playing.li.append(" ", mark);
    playing.li.classList.add("shown");
    $("no-voice").textContent = words.no_voice;
    $("no-voice").hidden = false;
    playNext();
  }

  $("player").addEventListener("ended", finished);
  $("player").addEventListener("error", () => { if (playing && $("player").getAttribute("src")) cannotPlay(); });

  function stopAudio() {
    playQueue = [];
    if (playing) playing.li.classList.remove("now");
    playing = null;
    $("player").pause();
    $("player").removeAttribute("src");
    if (window.speechSynthesis) speechSynthesis.cancel();
  }

  function newCall() {
    stopAudio();
    $("heard").innerHTML = ""; $("twiml").innerHTML = "";
    $("no-voice").hidden = true;
  }

  $("call").addEventListener("click", async () => {
    newCall();
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
      $("status").textContent = words.recording;
      $("record").disabled = true; $("stop").disabled = false;
    } catch (error) {
      showError(fill(words.no_microphone, { reason: error.message }));
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

  // --- the inbox of the chosen number ---
  // Each number has its own inbox: a poll answered after the person switched numbers is dropped,
  // messages already listed are never listed again, and a new one goes below the others, so an Answer
  // button never moves away as it is tapped (a message arriving with the call used to push it down).

  let inboxNumber = $("caller").value.trim(), inboxSince = 0, inboxTimer = null, inboxRound = 0;
  const listed = new Set();

  function emptyInbox() {
    $("inbox").innerHTML = "";
    const li = document.createElement("li");
    li.className = "muted"; li.dataset.empty = "1"; li.textContent = words.nothing_yet;
    $("inbox").appendChild(li);
  }

  function inboxItem(m) {
    const li = document.createElement("li");
    li.dataset.message = m.id;
    if (m.kind === "sms") {
      li.textContent = "✉ " + fill(words.sms, { body: m.body });
      return li;
    }
    li.textContent = "☎ " + words.rings + " ";
    const answer = document.createElement("button");
    answer.type = "button"; answer.textContent = words.answer;
    answer.addEventListener("click", async () => {
      answer.disabled = true;  // one call per ring, however fast the clicks come
      newCall();
      const data = await api("/answer/" + m.id);
      if (!data) { answer.disabled = false; return; }
      show(data);
    });
    li.appendChild(answer);
    return li;
  }

  async function pollInbox() {
    clearTimeout(inboxTimer);
    const number = inboxNumber, round = inboxRound;
    try {
      const response = await fetch(base + "/api/inbox?number=" + encodeURIComponent(number) + "&since=" + inboxSince);
      if (response.ok && round === inboxRound) {
        const data = await response.json();
        if (round === inboxRound) {
          data.messages.forEach((m) => {
            inboxSince = Math.max(inboxSince, m.id);
            if (listed.has(m.id)) return;
            listed.add(m.id);
            const empty = $("inbox").querySelector("[data-empty]");
            if (empty) empty.remove();
            $("inbox").append(inboxItem(m));  // below the others: a button never moves under a finger
          });
        }
      }
    } catch (error) {
      // the server is out of reach for a moment: try again at the next beat
    }
    if (round === inboxRound) inboxTimer = setTimeout(pollInbox, 3000);
  }

  $("caller").addEventListener("change", () => {
    inboxNumber = $("caller").value.trim();
    inboxRound += 1;
    inboxSince = 0;
    listed.clear();
    emptyInbox();
    pollInbox();
  });
  emptyInbox();
  pollInbox();
})();
