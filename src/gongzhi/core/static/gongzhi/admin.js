/* The management site (/manage/, Django's admin): accessible names for the controls Django's own
   scripts draw without one.
   - The filter boxes of a two-list choice (SelectFilter2.js) put aria-label on a bare <span>, where
     it is not allowed: the span is an image of a magnifier, so it gets role="img".
   - The search-as-you-type choice (select2, autocomplete_fields) draws a combobox named by its
     current value only: it gets the field's label as its name. */
(function () {
  "use strict";
  function name() {
    document.querySelectorAll("span.help-tooltip[aria-label]:not([role])").forEach(function (span) {
      span.setAttribute("role", "img");
    });
    document.querySelectorAll("select.admin-autocomplete").forEach(function (select) {
      var label = select.id && document.querySelector('label[for="' + select.id + '"]');
      var container = select.nextElementSibling;
      if (!label || !container) return;
      if (!label.id) label.id = select.id + "_label";
      container.querySelectorAll('[role="combobox"]').forEach(function (box) {
        box.setAttribute("aria-labelledby", label.id);
      });
      container.querySelectorAll('[role="textbox"]').forEach(function (text) {
        text.setAttribute("aria-labelledby", label.id + " " + text.id);
        text.setAttribute("aria-readonly", "true");
      });
    });
  }
  // Django's scripts draw these on DOMContentLoaded and load; name them after both.
  window.addEventListener("load", function () { name(); window.setTimeout(name, 0); });
  document.addEventListener("formset:added", name);
})();
