// Record in the browser (MediaRecorder) and put the result into the form's file field.
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
          status.textContent = "Recorded " + Math.round((Date.now() - started) / 1000) + " s. It will be uploaded with the form.";
        };
        recorder.start();
        started = Date.now();
        record.disabled = true; stop.disabled = false;
        status.textContent = "Recording… speak now.";
      }, function () { status.textContent = "The microphone is not available. Choose a file instead."; });
    });
    stop.addEventListener("click", function () {
      recorder.stop();
      record.disabled = false; stop.disabled = true;
    });
  });
})();
