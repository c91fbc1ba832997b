// The review page's player: click a word to hear it, the spoken word highlighted, a seek bar, trim marks.
(function () {
  var audio = document.getElementById("player");
  if (!audio) return;
  var words = Array.prototype.slice.call(document.querySelectorAll("#words .word"));
  var bar = document.querySelector("[data-bar]"), toggle = document.getElementById("play");
  var seek = document.getElementById("seek"), clock = document.getElementById("clock");
  var wave = document.getElementById("waveform"), played = document.getElementById("played");
  var current = null;
  bar.hidden = false;
  audio.controls = false; // our bar (and the waveform) replace the browser's own controls

  function clockText(seconds) {
    var s = Math.floor(seconds || 0);
    return Math.floor(s / 60) + ":" + String(s % 60).padStart(2, "0");
  }

  function wordAt(time) {
    // Words are in time order: the last one that started before `time` and has not ended.
    for (var i = words.length - 1; i >= 0; i--) {
      var w = words[i];
      if (parseFloat(w.dataset.start) <= time) return time <= parseFloat(w.dataset.end) + 0.15 ? w : null;
    }
    return null;
  }

  function highlight() {
    var word = audio.paused && audio.currentTime === 0 ? null : wordAt(audio.currentTime);
    if (word === current) return;
    if (current) current.classList.remove("speaking");
    if (word) word.classList.add("speaking");
    current = word;
  }

  function update() {
    seek.value = audio.currentTime;
    var share = Math.min(1, audio.currentTime / (audio.duration || parseFloat(seek.max) || 1));
    if (played) played.style.clipPath = "inset(0 " + (100 - 100 * share).toFixed(2) + "% 0 0)";
    clock.textContent = clockText(audio.currentTime) + " / " + clockText(audio.duration || parseFloat(seek.max));
    highlight();
  }

  function playFrom(time) {
    audio.currentTime = time;
    var started = audio.play();
    if (started && started.catch) started.catch(function () {});
    update();
  }

  toggle.addEventListener("click", function () {
    if (audio.paused) playFrom(audio.currentTime); else audio.pause();
  });
  // The button's words come from the page, in its language.
  audio.addEventListener("play", function () { toggle.textContent = toggle.dataset.pause; });
  audio.addEventListener("pause", function () { toggle.textContent = toggle.dataset.play; });
  audio.addEventListener("timeupdate", update);
  audio.addEventListener("seeked", update);
  audio.addEventListener("loadedmetadata", function () { seek.max = audio.duration; update(); });
  seek.addEventListener("input", function () { audio.currentTime = parseFloat(seek.value); update(); });

  if (wave) wave.addEventListener("click", function (e) {
    var box = wave.getBoundingClientRect();
    playFrom((e.clientX - box.left) / box.width * (audio.duration || parseFloat(seek.max)));
  });

  words.forEach(function (word) {
    function go() { playFrom(parseFloat(word.dataset.start)); }
    word.addEventListener("click", go);
    word.addEventListener("keydown", function (e) { if (e.key === "Enter" || e.key === " ") { e.preventDefault(); go(); } });
  });

  // timeupdate fires only a few times a second; follow words closely while playing.
  (function follow() {
    if (!audio.paused) highlight();
    window.requestAnimationFrame(follow);
  })();

  document.querySelectorAll("[data-mark]").forEach(function (button) {
    button.addEventListener("click", function () {
      var field = document.querySelector("#approve input[name=" + button.dataset.mark + "]");
      field.value = audio.currentTime.toFixed(1);
    });
  });
})();

// Topic changes (add, accept, reject) are sent without leaving the page: the server answers with the
// topics section alone, which replaces the old one, so a title, notes or trim being typed stay as they are.
// The approve form's box for that topic follows the change. Without this script the forms post as usual.
(function () {
  var section = document.getElementById("tags");
  if (!section || !window.fetch) return;

  function followInApproveForm(data) {
    var box = document.querySelector("#approve input[name=topic_ids][value='" + data.get("topic_id") + "']");
    if (box) box.checked = data.get("action") !== "reject";
  }

  section.addEventListener("submit", function (event) {
    var form = event.target;
    var data = new FormData(form);
    if (event.submitter && event.submitter.name) data.set(event.submitter.name, event.submitter.value);
    event.preventDefault();
    // getAttribute: the forms have a field named "action", which hides form.action
    fetch(form.getAttribute("action"), { method: "POST", body: data, credentials: "same-origin", headers: { "X-Chaupal-Part": "tags" } })
      .then(function (response) {
        // Anything but the topics section (the session ran out, the server failed): post the usual way,
        // so the login and draft keeping of the layout take over.
        if (!response.ok || response.headers.get("X-Chaupal-Part") !== "tags") throw new Error("not the topics");
        return response.text();
      })
      .then(function (html) {
        section.innerHTML = html;
        followInApproveForm(data);
        var message = section.querySelector(".flash");
        if (message) { message.setAttribute("tabindex", "-1"); message.focus(); }
      })
      .catch(function () {
        if (event.submitter && event.submitter.name) {
          var chosen = document.createElement("input");
          chosen.type = "hidden"; chosen.name = event.submitter.name; chosen.value = event.submitter.value;
          form.appendChild(chosen);
        }
        form.submit();
      });
  });
})();
