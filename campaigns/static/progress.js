// A campaign's page: refresh the progress figures every 5 s.
(function () {
  "use strict";
  const box = document.getElementById("progress");
  async function refresh() {
    const response = await fetch(box.dataset.url);
    if (!response.ok) return;
    const data = await response.json();
    box.querySelectorAll("[data-key]").forEach(el => { el.textContent = data[el.dataset.key]; });
  }
  setInterval(refresh, 5000);
})();
