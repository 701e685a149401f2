"""Pages of notifications: the list, the bell's count, marking read, preferences; and the reminders' opt-out.

- The list (``/c/<slug>/notifications/``) shows the unread, then the read,
  newest first, each in words with a link to what it is about; each section
  pages on with an opaque cursor (``?show=unread|read&before=…``).
- The bell in every page's header (``templatetags/bell.py``) polls the count
  fragment with htmx; the fragment answers 204 (nothing to swap, nothing for
  a screen reader to announce again) while the count is the one shown.
- Marking read works as a plain form post (back to the list) and with htmx
  (the item and the bell are swapped in place).

The reminders' one-click opt-out (the signed token in the URL is the
credential, no sign-in needed): a GET only shows a confirmation button,
because mail scanners follow links; the POST (the button, or a mail client's
RFC 8058 one-click request, which carries no CSRF token) turns
``User.checkin_reminders`` off. People turn it back on in their profile.
"""

from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from companies.tenancy import TenantRequest, company_view
from notifications import selectors, services
from notifications.models import EmailMode, Notification, Reason
from notifications.reminders import user_for_unsubscribe_token
from okrhub.web import PageForm, add_service_errors, redirect_after_post

PAGE_SIZE = 25
SECTIONS = {"unread": "Unread", "read": "Read"}


@csrf_exempt
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    user = user_for_unsubscribe_token(token)
    if user is None:
        return render(request, "notifications/unsubscribe.html", {"invalid": True}, status=404)
    done = False
    if request.method == "POST":
        type(user).objects.filter(pk=user.pk).update(checkin_reminders=False)
        done = True
    return render(request, "notifications/unsubscribe.html", {"person": user, "done": done})


# ---------------------------------------------------------------- the list


def _items(request: TenantRequest, notifications: list[Notification]) -> list[dict[str, Any]]:
    described = selectors.describe_all(notifications, actor=request.actor)
    return [
        {"notification": n, "described": words, "unread": n.read_at is None}
        for n, words in zip(notifications, described, strict=True)
    ]


def _count_context(request: TenantRequest, count: int, **extra: Any) -> dict[str, Any]:
    return {
        "slug": request.company.slug,
        "label": selectors.unread_label(count),
        "count": count,
        "poll": settings.OKRHUB_NOTIFICATION_POLL_SECONDS,
        **extra,
    }


def _bad_request(request: TenantRequest, message: str) -> HttpResponse:
    context: dict[str, Any] = {"error": message, "sections": [], "show": None, "paged": False, "unread": ""}
    return render(request, "notifications/notifications.html", context, status=400)


@require_GET
@company_view
def notification_list(request: TenantRequest) -> HttpResponse:
    show = request.GET.get("show") or None
    if show is not None and show not in SECTIONS:
        return _bad_request(request, "Show: choose unread or read.")
    before = None
    if show is not None and request.GET.get("before"):
        try:
            before = selectors.parse_cursor(request.GET["before"])
        except ValueError:
            return _bad_request(request, "Before: that is not a page of this list; start from the first page.")
    sections = []
    for key, title in SECTIONS.items():
        if show is not None and key != show:
            continue
        notifications = selectors.with_event(
            selectors.notification_list(company=request.company, actor=request.actor, unread=key == "unread")
        )
        rows, after = selectors.page(notifications, before=before, size=PAGE_SIZE)
        sections.append({"key": key, "title": title, "items": _items(request, rows), "after": after})
    count = selectors.unread_count(company=request.company, actor=request.actor)
    context = {
        "sections": sections,
        "show": show,
        "paged": before is not None,
        "unread": selectors.unread_label(count),
        "bell": _count_context(request, count, oob=False),
    }
    return render(request, "notifications/notifications.html", context)


@require_GET
@company_view
def unread_count(request: TenantRequest) -> HttpResponse:
    """The bell's figure; 204 while it is the one the page shows (``?shown=``), so nothing is swapped."""
    count = selectors.unread_count(company=request.company, actor=request.actor)
    label = selectors.unread_label(count)
    if "shown" in request.GET and request.GET["shown"] == label:
        return HttpResponse(status=204)
    response = render(request, "notifications/_count.html", _count_context(request, count))
    response["Cache-Control"] = "no-store"
    return response


@require_POST
@company_view
def mark_read(request: TenantRequest, notification_id: int) -> HttpResponse:
    notification = services.notification_mark_read(
        company=request.company, actor=request.actor, notification_id=notification_id
    )
    if request.htmx:
        notification = selectors.with_event(Notification.objects.filter(company=request.company)).get(
            pk=notification.pk
        )
        count = selectors.unread_count(company=request.company, actor=request.actor)
        context = {
            "item": _items(request, [notification])[0],
            "bell": _count_context(request, count, oob=True),
            "slug": request.company.slug,
        }
        return render(request, "notifications/notifications.html#item-read", context)
    return redirect_after_post(request, reverse("notifications:list", args=[request.company.slug]))


@require_POST
@company_view
def mark_all_read(request: TenantRequest) -> HttpResponse:
    marked = services.notification_mark_all_read(company=request.company, actor=request.actor)
    messages.success(
        request, f"Marked {marked} notification{'s' if marked != 1 else ''} read." if marked else "Nothing was unread."
    )
    return redirect_after_post(request, reverse("notifications:list", args=[request.company.slug]))


# ---------------------------------------------------------------- preferences


class PreferencesForm(PageForm):
    """One row per reason: shown in the app or not, and how it is emailed."""

    def __init__(self, *args: Any, initial_preferences: dict[str, selectors.Preference], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.rows = []
        for reason in Reason:
            current = initial_preferences[reason]
            in_app = forms.BooleanField(
                required=False, initial=current.in_app, label=f"Show {reason.label.lower()} in the app"
            )
            email = forms.ChoiceField(
                choices=EmailMode.choices, initial=current.email, label=f"Email for {reason.label.lower()}"
            )
            self.fields[f"{reason.value}-in_app"] = in_app
            self.fields[f"{reason.value}-email"] = email
            self.rows.append((reason, f"{reason.value}-in_app", f"{reason.value}-email"))

    def bound_rows(self) -> list[tuple[Reason, forms.BoundField, forms.BoundField]]:
        return [(reason, self[in_app], self[email]) for reason, in_app, email in self.rows]

    def changes(self) -> dict[str, dict[str, Any]]:
        return {
            reason.value: {"in_app": self.cleaned_data[in_app], "email": self.cleaned_data[email]}
            for reason, in_app, email in self.rows
        }


@require_http_methods(["GET", "POST"])
@company_view
def preferences(request: TenantRequest) -> HttpResponse:
    user_id = selectors.require_person(request.actor)
    current = selectors.preferences_for(company=request.company, user_ids=[user_id])
    by_reason = {reason: current[(user_id, reason)] for reason in Reason.values}
    form = PreferencesForm(request.POST or None, initial_preferences=by_reason)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.preferences_update(company=request.company, actor=request.actor, changes=form.changes())
            except forms.ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, "Notification preferences saved.")
                return redirect_after_post(request, reverse("notifications:preferences", args=[request.company.slug]))
        status = 422
    return render(request, "notifications/preferences.html", {"form": form}, status=status)
