// A campaign's page: refresh the progress figures, the status badge and the schedule sentence every 5 s.
(function () {
  "use strict";
  const box = document.getElementById("progress");
  async function refresh() {
    const response = await fetch(box.dataset.url, {headers: {Accept: "application/json"}});
    if (!response.ok) return;
    const data = await response.json();
    box.querySelectorAll("[data-key]").forEach(el => { el.textContent = data[el.dataset.key]; });
    const badge = document.querySelector("[data-live=status]");
    if (badge) badge.textContent = data.status_name;
    const when = document.querySelector("[data-live=when]");
    if (when) when.textContent = data.when;
  }
  setInterval(refresh, 5000);
})();
