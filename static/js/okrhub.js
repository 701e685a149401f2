/* OKRHub page behaviour. No inline scripts anywhere: this file and htmx are all the JavaScript.
 *
 * - Disclosure buttons (the alignment tree): a button with aria-controls toggles aria-expanded
 *   and the hidden state of the element it controls; htmx loads the children on first open.
 * - After htmx swaps a fragment in, focus moves to its error summary, else to an element marked
 *   data-focus-after-swap (the first invalid field of a re-rendered form, or the updated row's status line).
 * - A page that comes back with form errors focuses its error summary (templates/components/
 *   error_summary.html: tabindex="-1", so it takes focus and scrolls into view, like autofocus);
 *   a link in the summary moves focus to its field, not just the scroll position.
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

  // Alignment tree: "Collapse all" folds every open branch in place (the link's server-side meaning,
  // ?expand=none, stays the shareable URL); without script the link loads that page.
  document.addEventListener("click", function (event) {
    var link = event.target.closest("a[data-tree-collapse]");
    if (!link) return;
    var results = link.closest("#tree-results");
    if (!results || !results.querySelector(".tree, .compact-tree")) return;
    event.preventDefault();
    results.querySelectorAll("button[data-disclosure][aria-expanded=true]").forEach(function (button) {
      button.setAttribute("aria-expanded", "false");
      var panel = document.getElementById(button.getAttribute("aria-controls"));
      if (panel) panel.hidden = true;
    });
    results.querySelectorAll(".tree-toolbar .expand-switch a").forEach(function (other) {
      if (other === link) other.setAttribute("aria-current", "page");
      else other.removeAttribute("aria-current");
    });
    history.replaceState(null, "", link.href);
  });

  document.addEventListener("htmx:afterSwap", function (event) {
    var scope = event.detail.elt && event.detail.elt.isConnected ? event.detail.elt : event.detail.target;
    if (!scope || !scope.querySelector) return;
    var target = scope.querySelector("[data-error-summary]") || scope.querySelector("[aria-invalid=true]") ||
      scope.querySelector("[data-focus-after-swap]");
    if (target) focusInView(target);
  });

  function focusInView(element) {
    element.focus({preventScroll: true});
    element.scrollIntoView({block: "nearest"});
  }

  // The script is deferred: the document is parsed when it runs.
  var summary = document.querySelector("[data-error-summary]");
  if (summary) focusInView(summary);

  document.addEventListener("click", function (event) {
    var link = event.target.closest("[data-error-summary] a[href^='#']");
    if (!link) return;
    var field = document.getElementById(link.getAttribute("href").slice(1));
    if (!field) return;
    // Radio and checkbox groups are named by their wrapper: focus the first choice.
    if (!field.matches("input, select, textarea, button")) field = field.querySelector("input, select, textarea") || field;
    event.preventDefault();
    var label = field.id && document.querySelector("label[for='" + field.id + "']");
    (label || field).scrollIntoView({block: "center"});
    field.focus({preventScroll: true});
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
