// The campaign list: refresh each campaign's status badge and schedule sentence every 15 s.
(function () {
  "use strict";
  const table = document.getElementById("campaign-list");
  if (!table) return;
  const seconds = Number(table.dataset.refreshSeconds || 15);
  async function refresh() {
    const response = await fetch(table.dataset.url, {headers: {Accept: "application/json"}});
    if (!response.ok) return;
    const states = await response.json();
    table.querySelectorAll("tr[data-campaign]").forEach(row => {
      const state = states[row.dataset.campaign];
      if (!state) return;
      row.querySelector("[data-key=status]").textContent = state.status_name;
      row.querySelector("[data-key=when]").textContent = state.when;
    });
  }
  setInterval(refresh, seconds * 1000);
})();
