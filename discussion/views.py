"""The conversation pages: threads on objectives, key results and check-ins, replies, reactions, mentions.

Each thread is one URL: htmx loads it into the objective's or key result's
page and posts to it (the thread comes back in place); without JavaScript the
same URL is a page of its own, and a post goes back to it. Reading a thread
is reading its objective (``discussion.selectors``); taking part is the
matrix (``Action.COMMENT``), checked before anything posted is read.
"""

from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from companies.tenancy import TenantRequest, company_view
from discussion import selectors, services
from discussion.forms import CommentForm
from discussion.models import Comment
from discussion.selectors import Target
from okrhub.errors import not_found
from okrhub.permissions import Action
from okrhub.web import UNPROCESSABLE, add_service_errors, int_or_none

TEMPLATE = "discussion/thread.html"
#: The URL name of each kind of thread.
THREAD_URLS = {
    "objective": "discussion:objective",
    "key_result": "discussion:key_result",
    "checkin": "discussion:checkin",
}


def thread_url(request: TenantRequest, target: Target) -> str:
    return reverse(THREAD_URLS[target.kind], args=[request.company.slug, target.pk])


def _mentions_url(request: TenantRequest, target: Target) -> str:
    return f"{reverse('discussion:mentions', args=[request.company.slug])}?objective={target.objective.pk}"


def _form(request: TenantRequest, target: Target, data: Any = None, *, reply_to: Comment | None = None) -> CommentForm:
    if reply_to is None:
        return CommentForm(data, mentions_url=_mentions_url(request, target), label="Add a comment")
    return CommentForm(
        data, mentions_url=_mentions_url(request, target), label="Your reply", prefix=f"reply-{reply_to.pk}"
    )


def _render_thread(
    request: TenantRequest,
    target: Target,
    *,
    form: CommentForm | None = None,
    reply_form: CommentForm | None = None,
    reply_parent: Comment | None = None,
    announce: str = "",
    status: int = 200,
) -> HttpResponse:
    """The thread: the fragment for htmx, the thread's own page otherwise."""
    company, actor = request.company, request.actor
    before = int_or_none(request.GET.get("before")) if request.method == "GET" else None
    page = selectors.thread(company=company, actor=actor, target=target, before=before)
    can_comment = actor.can(Action.COMMENT)
    context: dict[str, Any] = {
        "target": target,
        "comments": page.comments,
        "earlier": page.earlier,
        "before": before,
        "count": page.count,
        "can_comment": can_comment,
        "form": form if form is not None else (_form(request, target) if can_comment else None),
        "thread_url": thread_url(request, target),
        "announce": announce,
        # The open reply form goes under the top-level comment; it posts to the comment it answers.
        "reply_to": (reply_parent.parent_id or reply_parent.pk) if reply_parent is not None else None,
        "reply_parent": reply_parent,
        "reply_form": reply_form,
    }
    if request.htmx:
        # "Show earlier comments" asks for the page above (``before``): its items only.
        return render(request, f"{TEMPLATE}#{'earlier' if before else 'thread'}", context, status=status)
    if target.checkin is not None:
        context["checkin_reactions"] = selectors.checkin_reactions(company=company, actor=actor, checkin=target.checkin)
    return render(request, TEMPLATE, context, status=status)


def _after_write(request: TenantRequest, target: Target, *, announce: str, anchor: str = "") -> HttpResponse:
    """htmx gets the thread again, in place; a plain post goes back to the thread's page (post/redirect/get)."""
    if request.htmx:
        return _render_thread(request, target, announce=announce)
    return redirect(thread_url(request, target) + (f"#{anchor}" if anchor else ""))


def _thread_view(request: TenantRequest, target: Target) -> HttpResponse:
    if request.method != "POST":
        return _render_thread(request, target)
    request.actor.require(Action.COMMENT)
    form = _form(request, target, request.POST)
    if form.is_valid():
        try:
            comment = services.comment_create(
                company=request.company, actor=request.actor, target=target, body=form.cleaned_data["body"]
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            return _after_write(request, target, announce="Comment posted.", anchor=f"comment-{comment.pk}")
    return _render_thread(request, target, form=form, status=UNPROCESSABLE)


@require_http_methods(["GET", "POST"])
@company_view
def objective_thread(request: TenantRequest, objective_id: int) -> HttpResponse:
    target = selectors.objective_target(company=request.company, actor=request.actor, objective_id=objective_id)
    return _thread_view(request, target)


@require_http_methods(["GET", "POST"])
@company_view
def key_result_thread(request: TenantRequest, key_result_id: int) -> HttpResponse:
    target = selectors.key_result_target(company=request.company, actor=request.actor, key_result_id=key_result_id)
    return _thread_view(request, target)


@require_http_methods(["GET", "POST"])
@company_view
def checkin_thread(request: TenantRequest, checkin_id: int) -> HttpResponse:
    target = selectors.checkin_target(company=request.company, actor=request.actor, checkin_id=checkin_id)
    return _thread_view(request, target)


@require_http_methods(["GET", "POST"])
@company_view
def reply(request: TenantRequest, comment_id: int) -> HttpResponse:
    """The reply form under a top-level comment (loaded in place by htmx, or the thread page with it open), and
    the reply itself. A reply to a reply goes under the top-level comment above it."""
    comment = selectors.comment_for(company=request.company, actor=request.actor, comment_id=comment_id)
    request.actor.require(Action.COMMENT)
    target = selectors.target_of(comment)
    if request.method == "GET":
        form = _form(request, target, reply_to=comment)
        form.fields["body"].widget.attrs["autofocus"] = True
        if request.htmx:
            context = {"reply_parent": comment, "reply_form": form, "target": target}
            return render(request, f"{TEMPLATE}#reply-form", context)
        return _render_thread(request, target, reply_form=form, reply_parent=comment)
    form = _form(request, target, request.POST, reply_to=comment)
    if form.is_valid():
        try:
            created = services.comment_create(
                company=request.company,
                actor=request.actor,
                target=target,
                body=form.cleaned_data["body"],
                parent=comment,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            return _after_write(request, target, announce="Reply posted.", anchor=f"comment-{created.pk}")
    return _render_thread(request, target, reply_form=form, reply_parent=comment, status=UNPROCESSABLE)


@require_POST
@company_view
def delete(request: TenantRequest, comment_id: int) -> HttpResponse:
    comment = selectors.comment_for(company=request.company, actor=request.actor, comment_id=comment_id)
    services.comment_delete(company=request.company, actor=request.actor, comment=comment)
    return _after_write(request, selectors.target_of(comment), announce="Comment deleted.")


def _bad_kind(error: ValidationError) -> HttpResponse:
    messages = "; ".join(f"{field}: {' '.join(errors)}" for field, errors in error.message_dict.items())
    return HttpResponse(messages, status=400, content_type="text/plain; charset=utf-8")


@require_POST
@company_view
def comment_react(request: TenantRequest, comment_id: int) -> HttpResponse:
    comment = selectors.comment_for(company=request.company, actor=request.actor, comment_id=comment_id)
    request.actor.require(Action.COMMENT)
    try:
        services.reaction_toggle(
            company=request.company, actor=request.actor, target=comment, kind=request.POST.get("kind", "")
        )
    except ValidationError as error:
        return _bad_kind(error)
    if not request.htmx:
        return redirect(thread_url(request, selectors.target_of(comment)) + f"#comment-{comment.pk}")
    reactions = selectors.comment_reactions(company=request.company, actor=request.actor, comment=comment)
    context = {"reactions": reactions, "react_url": request.path, "can_react": True, "bar_kind": "comment"}
    context["bar_pk"] = comment.pk
    return render(request, "discussion/_reactions.html", context)


@require_POST
@company_view
def checkin_react(request: TenantRequest, checkin_id: int) -> HttpResponse:
    target = selectors.checkin_target(company=request.company, actor=request.actor, checkin_id=checkin_id)
    request.actor.require(Action.COMMENT)
    checkin = target.checkin
    if checkin is None:  # pragma: no cover - a check-in target always has its check-in
        raise not_found("check-in")
    try:
        services.reaction_toggle(
            company=request.company, actor=request.actor, target=checkin, kind=request.POST.get("kind", "")
        )
    except ValidationError as error:
        return _bad_kind(error)
    if not request.htmx:
        return redirect(thread_url(request, target))
    reactions = selectors.checkin_reactions(company=request.company, actor=request.actor, checkin=checkin)
    context = {"reactions": reactions, "react_url": request.path, "can_react": True, "bar_kind": "checkin"}
    context["bar_pk"] = checkin.pk
    return render(request, "discussion/_reactions.html", context)


def _checkin_talk(request: TenantRequest, target: Target) -> HttpResponse:
    """Comment counts and reactions of the check-in history, as out-of-band swaps into its table's cells."""
    talk = selectors.checkin_talk(company=request.company, actor=request.actor, target=target)
    context = {"talk": talk, "can_react": request.actor.can(Action.COMMENT)}
    return render(request, "discussion/checkin_talk.html", context)


@require_GET
@company_view
def objective_checkin_talk(request: TenantRequest, objective_id: int) -> HttpResponse:
    target = selectors.objective_target(company=request.company, actor=request.actor, objective_id=objective_id)
    return _checkin_talk(request, target)


@require_GET
@company_view
def key_result_checkin_talk(request: TenantRequest, key_result_id: int) -> HttpResponse:
    target = selectors.key_result_target(company=request.company, actor=request.actor, key_result_id=key_result_id)
    return _checkin_talk(request, target)


@require_GET
@company_view
def mentions(request: TenantRequest) -> HttpResponse:
    """The autocomplete's options: members matching ``q``, those who may read ``objective`` when it is private."""
    objective = None
    if "objective" in request.GET:
        objective_id = int_or_none(request.GET.get("objective"))
        if objective_id is None:
            return HttpResponse(
                "objective: Send an objective id.", status=400, content_type="text/plain; charset=utf-8"
            )
        objective = selectors.objective_target(
            company=request.company, actor=request.actor, objective_id=objective_id
        ).objective
    people = selectors.mention_candidates(
        company=request.company, actor=request.actor, query=request.GET.get("q", "")[:100], objective=objective
    )
    return render(request, "discussion/mentions.html", {"people": people})
