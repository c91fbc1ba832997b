// A button marked data-print prints the page (kept out of the HTML: the CSP allows no inline handlers).
document.querySelectorAll("[data-print]").forEach((button) => button.addEventListener("click", () => window.print()));
