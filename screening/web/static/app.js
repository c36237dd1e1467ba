/* litsieve: keyboard shortcuts and small form helpers. No inline script anywhere (the
   Content-Security-Policy forbids it); every shortcut is declared in the page as a
   data-key attribute on the button it presses. */
(function () {
  "use strict";

  function typing(target) {
    if (!target || !target.tagName) { return false; }
    return target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName);
  }

  // A full-text exclusion needs its reason: say so instead of sending the form.
  function missingReason(button) {
    var id = button.getAttribute("data-needs-reason");
    if (!id) { return false; }
    var select = document.getElementById(id);
    if (!select || select.value) { return false; }
    var hint = document.getElementById("reason-hint");
    if (hint) { hint.hidden = false; }
    select.focus();
    return true;
  }

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || event.repeat) { return; }
    if (typing(event.target)) {
      if (event.key === "Escape") { event.target.blur(); }
      return;
    }
    var key = (event.key || "").toLowerCase();
    if (!/^[a-z]$/.test(key)) { return; }
    var button = document.querySelector('[data-key="' + key + '"]');
    if (!button || button.disabled) { return; }
    event.preventDefault();
    if (missingReason(button)) { return; }
    button.click();
  });

  document.addEventListener("submit", function (event) {
    var form = event.target;
    var button = event.submitter;
    if (button && missingReason(button)) {
      event.preventDefault();
      return;
    }
    var question = form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) {
      event.preventDefault();
      return;
    }
    // One vote per press: the buttons stay disabled until the next page.
    if (form.getAttribute("data-sent")) {
      event.preventDefault();
      return;
    }
    form.setAttribute("data-sent", "1");
  });
}());
