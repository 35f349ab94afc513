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
  // The main menu (base.html): drop-down groups (a button with aria-expanded per group; Escape
  // closes and gives the focus back to the button; leaving a group closes it) and, on narrow
  // screens, the 菜单 button that folds the whole menu. Without script every group shows its links.
  function menuParts(group) {
    var button = group.querySelector(".menu-button");
    return { button: button, panel: document.getElementById(button.getAttribute("aria-controls")) };
  }
  function setGroup(group, open) {
    var parts = menuParts(group);
    parts.button.setAttribute("aria-expanded", open ? "true" : "false");
    parts.panel.hidden = !open;
  }
  function closeGroups(nav, except) {
    var groups = nav.querySelectorAll("[data-menu-group]");
    for (var i = 0; i < groups.length; i++) {
      if (groups[i] !== except) { setGroup(groups[i], false); }
    }
  }
  function setFolded(nav, toggle, open) {
    toggle.setAttribute("aria-expanded", open ? "true" : "false");
    nav.classList.toggle("open", open);
    if (!open) { closeGroups(nav, null); }
  }
  document.addEventListener("DOMContentLoaded", function () {
    var nav = document.getElementById("mainnav");
    var toggle = document.querySelector("[data-menu-toggle]");
    if (!nav || !toggle) { return; }
    document.documentElement.classList.add("js-menu");
    closeGroups(nav, null);
    toggle.addEventListener("click", function () {
      setFolded(nav, toggle, toggle.getAttribute("aria-expanded") !== "true");
    });
    nav.addEventListener("click", function (event) {
      var button = event.target.closest(".menu-button");
      if (!button) { return; }
      var group = button.closest("[data-menu-group]");
      var open = button.getAttribute("aria-expanded") !== "true";
      closeGroups(nav, group);
      setGroup(group, open);
    });
    nav.addEventListener("focusout", function (event) {
      var group = event.target.closest("[data-menu-group]");
      if (group && !(event.relatedTarget && group.contains(event.relatedTarget))) { setGroup(group, false); }
    });
    document.addEventListener("keydown", function (event) {
      if (event.key !== "Escape") { return; }
      var group = document.activeElement && document.activeElement.closest &&
        document.activeElement.closest("[data-menu-group]");
      if (group && menuParts(group).button.getAttribute("aria-expanded") === "true") {
        setGroup(group, false);
        menuParts(group).button.focus();
      } else if (toggle.getAttribute("aria-expanded") === "true") {
        setFolded(nav, toggle, false);
        toggle.focus();
      } else {
        closeGroups(nav, null);
      }
    });
    document.addEventListener("click", function (event) {
      if (!nav.contains(event.target) && !toggle.contains(event.target)) { closeGroups(nav, null); }
    });
  });
})();
