// The menu starts open (it works without scripts); on a phone it folds away until asked for.
(function () {
  var menu = document.querySelector("header.top details.menu");
  if (menu && window.matchMedia("(max-width: 700px)").matches) {
    menu.open = false;
  }
})();

// A table wider than the screen scrolls inside its own box; keyboard users must be able to reach it.
(function () {
  document.querySelectorAll("main table, main pre").forEach(function (box) {
    if (box.scrollWidth > box.clientWidth && !box.hasAttribute("tabindex")) {
      box.setAttribute("tabindex", "0");
    }
  });
})();

// Buttons whose action cannot be undone carry data-confirm: the person is asked before the form goes.
document.addEventListener("submit", function (event) {
  var button = event.submitter;
  var question = button && button.getAttribute("data-confirm");
  if (question && !window.confirm(question)) {
    event.preventDefault();
  }
});
