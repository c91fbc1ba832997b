// The menu starts open (it works without scripts); on a phone it folds away until asked for.
(function () {
  var menu = document.querySelector("header.top details.menu");
  if (menu && window.matchMedia("(max-width: 700px)").matches) {
    menu.open = false;
  }
})();
