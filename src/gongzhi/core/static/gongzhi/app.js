// Gongzhi shell behaviour. No inline scripts anywhere (CSP: script-src 'self').
(function () {
  "use strict";
  // Confirmation before destructive actions: <form data-confirm="…">.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var message = form.getAttribute && form.getAttribute("data-confirm");
    if (message && !window.confirm(message)) {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  }, true);
  // Special-group attributes: show the fieldset of the group chosen in the same form
  // (<fieldset data-tag-group="<id>">); without script every group's fieldset shows.
  function showTagAttributes(select) {
    var form = select.form;
    if (!form) { return; }
    var sets = form.querySelectorAll("fieldset[data-tag-group]");
    for (var i = 0; i < sets.length; i++) {
      sets[i].hidden = sets[i].getAttribute("data-tag-group") !== select.value;
    }
  }
  document.addEventListener("change", function (event) {
    if (event.target.name === "group" && event.target.form &&
        event.target.form.querySelector("fieldset[data-tag-group]")) {
      showTagAttributes(event.target);
    }
  });
  document.addEventListener("DOMContentLoaded", function () {
    var sets = document.querySelectorAll("fieldset[data-tag-group]");
    for (var i = 0; i < sets.length; i++) {
      var form = sets[i].closest("form");
      if (form && form.elements.group) { showTagAttributes(form.elements.group); }
    }
  });
  // Let htmx show validation errors (422) returned as HTML fragments.
  document.addEventListener("htmx:beforeSwap", function (event) {
    if (event.detail.xhr.status === 422) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });
})();
