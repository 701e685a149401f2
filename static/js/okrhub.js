/* OKRHub page behaviour. No inline scripts anywhere: this file and htmx are all the JavaScript.
 *
 * - Disclosure buttons (the alignment tree): a button with aria-controls toggles aria-expanded
 *   and the hidden state of the element it controls; htmx loads the children on first open.
 * - After htmx swaps a fragment in, focus moves to an element marked data-focus-after-swap
 *   (the first invalid field of a re-rendered form, or the updated row's status line).
 */
(function () {
  "use strict";

  document.addEventListener("click", function (event) {
    var button = event.target.closest("button[data-disclosure]");
    if (!button) return;
    var panel = document.getElementById(button.getAttribute("aria-controls"));
    var open = button.getAttribute("aria-expanded") !== "true";
    button.setAttribute("aria-expanded", open ? "true" : "false");
    if (panel) panel.hidden = !open;
  });

  document.addEventListener("htmx:afterSwap", function (event) {
    var scope = event.detail.elt && event.detail.elt.isConnected ? event.detail.elt : event.detail.target;
    if (!scope || !scope.querySelector) return;
    var target = scope.querySelector("[aria-invalid=true]") || scope.querySelector("[data-focus-after-swap]");
    if (target) target.focus();
  });

  // Destructive buttons ask first (their forms carry data-confirm); without JavaScript they just post.
  document.addEventListener("submit", function (event) {
    var message = event.target.getAttribute && event.target.getAttribute("data-confirm");
    if (message && !window.confirm(message)) event.preventDefault();
  }, true);

  // Filters apply as soon as a choice changes (the Show button stays for keyboard and no-JS use).
  document.addEventListener("change", function (event) {
    var form = event.target.closest("form[data-autosubmit]");
    if (form) form.requestSubmit();
  });
})();
