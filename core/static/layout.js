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

// Typed work survives a session that ran out: every post form's fields are kept in this tab's
// sessionStorage as they are typed, put back when the person comes back to the form after logging in
// again (or the form was refused), and forgotten once the form was saved.
(function () {
  var SKIP = { password: 1, hidden: 1, file: 1, submit: 1, button: 1 };
  var keeps = document.querySelector("[data-keep-drafts]") !== null;

  function formKey(form) {
    return "draft:" + location.pathname + location.search + "|" + form.getAttribute("action");
  }
  function fields(form) {
    return Array.prototype.filter.call(form.elements, function (field) {
      return field.name && !SKIP[field.type] && field.name !== "csrf_token";
    });
  }
  function read(field) {
    if (field.type === "checkbox" || field.type === "radio") return field.checked;
    if (field.multiple) return Array.prototype.map.call(field.selectedOptions, function (o) { return o.value; });
    return field.value;
  }
  function write(field, value) {
    if (field.type === "checkbox" || field.type === "radio") field.checked = value;
    else if (field.multiple) Array.prototype.forEach.call(field.options, function (o) { o.selected = value.indexOf(o.value) >= 0; });
    else field.value = value;
  }
  function fieldKey(field, index) {
    return field.name + "#" + index;
  }
  function save(form) {
    var values = {};
    fields(form).forEach(function (field, index) { values[fieldKey(field, index)] = read(field); });
    sessionStorage.setItem(formKey(form), JSON.stringify(values));
  }
  function restore(form) {
    var saved = sessionStorage.getItem(formKey(form));
    if (!saved) return;
    var values = JSON.parse(saved);
    fields(form).forEach(function (field, index) {
      var key = fieldKey(field, index);
      if (Object.prototype.hasOwnProperty.call(values, key)) write(field, values[key]);
    });
  }

  // After a form was sent: the login and session-ended pages keep its draft for the way back; a page
  // showing an error puts it back into the form; any other page means it was saved, so it is forgotten.
  var sent = sessionStorage.getItem("draft-sent");
  var refused = document.querySelector(".flash.error, [role=alert]") !== null;
  if (document.querySelector("[data-session-ended]") && sent) sessionStorage.setItem("draft-resume", sent);
  var resume = sessionStorage.getItem("draft-resume");
  var here = Array.prototype.map.call(document.querySelectorAll("main form[method=post]"), formKey);
  if (resume && here.indexOf(resume) >= 0) {
    sessionStorage.removeItem("draft-resume");
    sessionStorage.removeItem("draft-sent");
    document.querySelectorAll("main form[method=post]").forEach(function (form) {
      if (formKey(form) === resume) restore(form);
    });
  } else if (sent && !keeps) {
    if (refused && here.indexOf(sent) >= 0) {
      document.querySelectorAll("main form[method=post]").forEach(function (form) {
        if (formKey(form) === sent) restore(form);
      });
    } else {
      sessionStorage.removeItem(sent);
    }
    sessionStorage.removeItem("draft-sent");
  }
  document.querySelectorAll("main form[method=post]").forEach(function (form) {
    if (form.closest("[data-keep-drafts]")) return;  // the login form itself is not a draft
    form.addEventListener("input", function () { save(form); });
    form.addEventListener("change", function () { save(form); });
    form.addEventListener("submit", function () { save(form); sessionStorage.setItem("draft-sent", formKey(form)); });
  });
})();
