// The campaign editor: live audience count and SMS cost preview (URLs come from the form's data-*).
(function () {
  "use strict";
  const form = document.getElementById("campaign-form");
  const token = form.querySelector("[name=csrf_token]").value;
  async function post(url, body) {
    const response = await fetch(url, {method: "POST", body: body, headers: {"X-CSRFToken": token}});
    return response.ok ? response.json() : null;
  }
  async function count() {
    const data = await post(form.dataset.countUrl, new FormData(form));
    document.getElementById("audience-count").textContent = data ? data.count : "?";
  }
  async function preview(area) {
    const body = new FormData(); body.append("text", area.value);
    const data = await post(form.dataset.previewUrl, body);
    if (data) area.nextElementSibling.textContent = data.said;  // in the page's language
  }
  form.addEventListener("change", count);
  form.querySelectorAll("[data-sms-preview]").forEach(area => {
    area.addEventListener("input", () => preview(area)); preview(area);
  });
  count();
})();
