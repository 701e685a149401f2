/* OKRHub page behaviour. No inline scripts anywhere: this file and htmx are all the JavaScript.
 *
 * - Disclosure buttons (the alignment tree): a button with aria-controls toggles aria-expanded
 *   and the hidden state of the element it controls; htmx loads the children on first open.
 * - After htmx swaps a fragment in, focus moves to its error summary, else to an element marked
 *   data-focus-after-swap (the first invalid field of a re-rendered form, the updated row's status line, or
 *   the first of the older events a feed appended in place of its "Show older activity" link).
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
    // An outerHTML swap replaced both (the activity feed's "Show older activity"): look in what came in.
    if (scope && !scope.isConnected) scope = event.target;
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

  // Print buttons (the dashboards) need JavaScript: shown only where it runs.
  document.querySelectorAll("button[data-print]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () { window.print(); });
  });

  // Filters apply as soon as a choice changes (the Show button stays for keyboard and no-JS use).
  document.addEventListener("change", function (event) {
    var form = event.target.closest("form[data-autosubmit]");
    if (form) form.requestSubmit();
  });

  // A thread swapped in after a post (templates/discussion/thread.html) focuses its error summary, or the
  // element marked to take focus. htmx fires afterSwap on the new element itself, so look there.
  document.addEventListener("htmx:afterSwap", function (event) {
    var thread = event.target;
    if (!thread.matches || !thread.matches(".thread")) return;
    var target = thread.querySelector("[data-error-summary]") || thread.querySelector("[data-focus-after-swap]");
    if (target) focusInView(target);
  });

  // @mentions: a textarea with data-mentions (the URL of the people who may be mentioned) offers them as
  // the person types "@" and the start of a name or address. htmx fetches the options into a listbox;
  // arrow keys move through them (aria-activedescendant), Enter or Tab inserts "@address ", Escape closes,
  // a click inserts too. Without JavaScript people type "@" and the address themselves (discussion/mentions.py).
  var MENTION_QUERY = /(^|[^\w@.+\-])@([^\s@]{0,40})$/;

  function isMentionBox(element) {
    return element && element.matches && element.matches("textarea[data-mentions]");
  }

  function mentionQuery(textarea) {
    if (textarea.selectionStart !== textarea.selectionEnd) return null;
    var match = MENTION_QUERY.exec(textarea.value.slice(0, textarea.selectionStart));
    return match ? match[2] : null;
  }

  function mentionList(textarea) {
    if (textarea._mentionList && textarea._mentionList.isConnected) return textarea._mentionList;
    var list = document.createElement("ul");
    list.id = (textarea.id || "comment") + "-mentions";
    list.className = "mention-list";
    list.setAttribute("role", "listbox");
    list.setAttribute("aria-label", "People to mention");
    list.setAttribute("hx-sync", "this:replace");
    list.hidden = true;
    var status = document.createElement("span");
    status.className = "visually-hidden";
    status.setAttribute("role", "status");
    textarea.insertAdjacentElement("afterend", list);
    list.insertAdjacentElement("afterend", status);
    textarea.setAttribute("aria-controls", list.id);
    textarea._mentionList = list;
    textarea._mentionStatus = status;
    list.addEventListener("mousedown", function (event) {
      var option = event.target.closest("[role=option]");
      if (!option) return;
      event.preventDefault();  // the textarea keeps focus and its caret
      insertMention(textarea, option);
    });
    return list;
  }

  function mentionOptions(list) {
    return Array.prototype.slice.call(list.querySelectorAll("[role=option]"));
  }

  function fetchMentions(textarea, query) {
    var list = mentionList(textarea);
    var url = textarea.getAttribute("data-mentions");
    url += (url.indexOf("?") < 0 ? "?" : "&") + "q=" + encodeURIComponent(query);
    htmx.ajax("GET", url, {source: list, target: list, swap: "innerHTML"}).then(function () {
      showMentions(textarea);
    });
  }

  function showMentions(textarea) {
    var list = textarea._mentionList;
    var items = mentionOptions(list);
    if (!items.length || mentionQuery(textarea) === null || document.activeElement !== textarea) {
      closeMentions(textarea, items.length ? "" : "No one to mention matches.");
      return;
    }
    items.forEach(function (item, index) { item.id = list.id + "-" + index; });
    list.hidden = false;
    textarea._mentionStatus.textContent = items.length + (items.length === 1 ? " person" : " people") +
      " to mention: arrow keys to choose, Enter to insert.";
    setActiveMention(textarea, 0);
  }

  function setActiveMention(textarea, index) {
    var items = mentionOptions(textarea._mentionList);
    if (!items.length) return;
    index = (index + items.length) % items.length;
    items.forEach(function (item, i) { item.setAttribute("aria-selected", i === index ? "true" : "false"); });
    textarea.setAttribute("aria-activedescendant", items[index].id);
    textarea._mentionActive = index;
    items[index].scrollIntoView({block: "nearest"});
  }

  function closeMentions(textarea, message) {
    clearTimeout(textarea._mentionTimer);
    var list = textarea._mentionList;
    if (list) {
      list.hidden = true;
      list.textContent = "";
      textarea._mentionStatus.textContent = message || "";
    }
    textarea.removeAttribute("aria-activedescendant");
  }

  function insertMention(textarea, option) {
    var caret = textarea.selectionStart;
    var match = MENTION_QUERY.exec(textarea.value.slice(0, caret));
    if (match) {
      // Replace the "@" and what follows it up to the caret with the whole address.
      textarea.setRangeText("@" + option.getAttribute("data-mention") + " ", caret - match[2].length - 1, caret, "end");
    }
    closeMentions(textarea, match ? "Mentioned " + option.querySelector(".mention-name").textContent + "." : "");
    textarea.focus();
  }

  document.addEventListener("input", function (event) {
    var textarea = event.target;
    if (!isMentionBox(textarea)) return;
    var query = mentionQuery(textarea);
    clearTimeout(textarea._mentionTimer);
    if (query === null) {
      closeMentions(textarea);
      return;
    }
    textarea._mentionTimer = setTimeout(function () { fetchMentions(textarea, query); }, 150);
  });

  document.addEventListener("keydown", function (event) {
    var textarea = event.target;
    if (!isMentionBox(textarea) || !textarea._mentionList || textarea._mentionList.hidden) return;
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      setActiveMention(textarea, textarea._mentionActive + (event.key === "ArrowDown" ? 1 : -1));
    } else if (event.key === "Enter" || event.key === "Tab") {
      var active = mentionOptions(textarea._mentionList)[textarea._mentionActive];
      if (!active) return;
      event.preventDefault();
      insertMention(textarea, active);
    } else if (event.key === "Escape") {
      event.preventDefault();
      closeMentions(textarea);
    }
  });

  document.addEventListener("focusout", function (event) {
    if (isMentionBox(event.target)) closeMentions(event.target);
  });
})();
