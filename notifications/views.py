"""One-click opt-out of check-in reminders from the link in every reminder.

The signed token in the URL is the credential (no sign-in needed). A GET only
shows a confirmation button, because mail scanners follow links; the POST (the
button, or a mail client's RFC 8058 one-click request, which carries no CSRF
token) turns ``User.checkin_reminders`` off. People turn it back on in their
profile.
"""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from notifications.reminders import user_for_unsubscribe_token


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
