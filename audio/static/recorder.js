// Record in the browser (MediaRecorder) and put the result into the form's file field.
// Its words come from the page (data-* attributes), in the page's language.
(function () {
  if (!navigator.mediaDevices || !window.MediaRecorder) return;
  document.querySelectorAll("[data-recorder]").forEach(function (box) {
    var input = box.parentElement.querySelector("input[type=file]");
    var record = box.querySelector("[data-record]"), stop = box.querySelector("[data-stop]");
    var status = box.querySelector("[data-status]"), preview = box.querySelector("audio");
    var recorder, chunks = [], started;
    box.hidden = false;
    record.addEventListener("click", function () {
      navigator.mediaDevices.getUserMedia({ audio: true }).then(function (stream) {
        chunks = [];
        recorder = new MediaRecorder(stream);
        recorder.ondataavailable = function (e) { if (e.data.size) chunks.push(e.data); };
        recorder.onstop = function () {
          stream.getTracks().forEach(function (t) { t.stop(); });
          var type = recorder.mimeType || "audio/webm";
          var ext = type.indexOf("ogg") >= 0 ? "ogg" : type.indexOf("mp4") >= 0 ? "m4a" : "webm";
          var file = new File(chunks, "recording." + ext, { type: type });
          var files = new DataTransfer();
          files.items.add(file);
          input.files = files.files;
          preview.src = URL.createObjectURL(file);
          preview.hidden = false;
          status.textContent = box.dataset.recorded.replace("{seconds}", Math.round((Date.now() - started) / 1000));
        };
        recorder.start();
        started = Date.now();
        record.disabled = true; stop.disabled = false;
        status.textContent = box.dataset.recording;
      }, function () { status.textContent = box.dataset.noMicrophone; });
    });
    stop.addEventListener("click", function () {
      recorder.stop();
      record.disabled = false; stop.disabled = true;
    });
  });
})();
