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
