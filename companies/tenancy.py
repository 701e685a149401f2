"""Resolving who acts in which company, once per request.

Every surface turns the URL's company slug plus the authenticated principal
into an :class:`Actor`. A missing company and a company the caller is not a
member of both answer 404 with the same message, so existence never leaks.
Services receive the actor and the company explicitly.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import wraps
from typing import Any, Concatenate, cast

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse

from companies.models import Company, Membership, Role, User
from okrhub.ancestry import walk_up
from okrhub.errors import PermissionDenied, not_found
from okrhub.permissions import Action, Facts, is_allowed
from okrhub.roles import DepartmentRole
from okrhub.web import HtmxRequest

_ROLE_STRENGTH: dict[str | None, int] = {DepartmentRole.MEMBER: 1, DepartmentRole.LEAD: 2}


@dataclass
class Actor:
    """A principal acting inside one company with one role.

    ``user`` is None for an integration (API key) acting for the company.
    ``department_roles`` holds the actor's direct department memberships; a
    role in a department also applies to the teams inside it.
    """

    company: Company
    role: str
    user: Any = None
    department_roles: dict[int, str] = field(default_factory=dict)
    _department_parents: dict[int, int | None] | None = field(default=None, repr=False)

    @classmethod
    def for_membership(cls, membership: Membership) -> "Actor":
        # Departments sit a layer above companies: read their rows through the reverse relations.
        roles = dict(
            membership.company.departmentmembership_set.filter(user_id=membership.user_id).values_list(
                "department_id", "role"
            )
        )
        return cls(
            company=membership.company,
            role=membership.role,
            user=membership.user,
            department_roles=roles,
        )

    @classmethod
    def for_user(cls, company: Company, user: Any) -> "Actor":
        """The actor for ``user`` in ``company``; NotFound if not a member."""
        try:
            membership = Membership.objects.get(company=company, user=user)
        except Membership.DoesNotExist:
            raise not_found("company") from None
        membership.company = company
        membership.user = user
        return cls.for_membership(membership)

    @property
    def user_id(self) -> int | None:
        return self.user.pk if self.user is not None else None

    def _parents(self) -> dict[int, int | None]:
        if self._department_parents is None:
            self._department_parents = dict(self.company.department_set.values_list("id", "parent_id"))
        return self._department_parents

    def department_role(self, department_id: int | None) -> str | None:
        """The strongest role the actor holds in this department or one above it."""
        if department_id is None or not self.department_roles:
            return None
        if self.department_roles.get(department_id) == DepartmentRole.LEAD:
            return DepartmentRole.LEAD
        best: str | None = None
        for current in walk_up(self._parents(), department_id):
            role = self.department_roles.get(current)
            if role and _ROLE_STRENGTH[role] > _ROLE_STRENGTH.get(best, 0):
                best = role
        return best

    def facts(
        self,
        *,
        department_id: int | None,
        owner_id: int | None = None,
        is_draft: bool = False,
        author_id: int | None = None,
    ) -> Facts:
        return Facts(
            is_owner=owner_id is not None and owner_id == self.user_id,
            department_role=self.department_role(department_id),
            company_level=department_id is None,
            is_draft=is_draft,
            is_author=author_id is not None and author_id == self.user_id,
        )

    def can(
        self,
        action: Action,
        *,
        department_id: int | None = None,
        owner_id: int | None = None,
        is_draft: bool = False,
        author_id: int | None = None,
    ) -> bool:
        facts = self.facts(department_id=department_id, owner_id=owner_id, is_draft=is_draft, author_id=author_id)
        return is_allowed(self.role, action, facts)

    def require(
        self,
        action: Action,
        *,
        department_id: int | None = None,
        owner_id: int | None = None,
        is_draft: bool = False,
        author_id: int | None = None,
    ) -> None:
        if not self.can(action, department_id=department_id, owner_id=owner_id, is_draft=is_draft, author_id=author_id):
            raise PermissionDenied(f"Your role does not allow this ({action.value}).")

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN


def member_actors(*, company: Company, user_ids: Iterable[int]) -> dict[int, Actor]:
    """The actors of several members of ``company`` at once (at most three queries, whatever their number).

    For rules asked about other people than the one acting: whether the
    person a comment mentions may read its objective. Users who are not
    members of ``company`` are simply absent from the result.
    """
    wanted = set(user_ids)
    if not wanted:
        return {}
    memberships = Membership.objects.filter(company=company, user_id__in=wanted).select_related("user")
    roles: dict[int, dict[int, str]] = {}
    for user_id, department_id, role in company.departmentmembership_set.filter(user_id__in=wanted).values_list(
        "user_id", "department_id", "role"
    ):
        roles.setdefault(user_id, {})[department_id] = role
    # One read of the department tree, shared by every actor that holds a department role.
    parents: dict[int, int | None] | None = (
        dict(company.department_set.values_list("id", "parent_id")) if roles else None
    )
    actors: dict[int, Actor] = {}
    for membership in memberships:
        actors[membership.user_id] = Actor(
            company=company,
            role=membership.role,
            user=membership.user,
            department_roles=roles.get(membership.user_id, {}),
            _department_parents=parents,
        )
    return actors


def resolve_actor(*, user: Any, company_slug: str) -> Actor:
    """The actor for an authenticated user and a company slug, or NotFound."""
    try:
        membership = Membership.objects.select_related("company", "user").get(company__slug=company_slug, user=user)
    except Membership.DoesNotExist:
        raise not_found("company") from None
    return Actor.for_membership(membership)


class AuthenticatedRequest(HtmxRequest):
    """A request of a signed-in user (behind ``login_required``)."""

    user: User


class TenantRequest(AuthenticatedRequest):
    """A request to a page under ``/c/<company_slug>/`` once :func:`company_view` has resolved it.

    ``company`` is the URL's company and ``actor`` the signed-in member acting in it.
    """

    company: Company
    actor: Actor


def company_view(view: Callable[Concatenate[TenantRequest, ...], HttpResponse]) -> Callable[..., HttpResponse]:
    """Decorator for HTML views under ``/c/<company_slug>/``.

    Anonymous callers go to the login page; everyone else gets
    ``request.actor`` and ``request.company`` (a :class:`TenantRequest`) or a 404.
    """

    @wraps(view)
    def wrapper(request: HttpRequest, company_slug: str, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        actor = resolve_actor(user=request.user, company_slug=company_slug)
        tenant_request = cast(TenantRequest, request)
        tenant_request.actor = actor
        tenant_request.company = actor.company
        return view(tenant_request, *args, **kwargs)

    return wrapper
