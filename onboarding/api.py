"""The member removal of the REST API: ``DELETE …/members/<id>/`` hands what the member owns over."""

from rest_framework.request import Request
from rest_framework.response import Response

from companies.api import views as company_views
from companies.models import Membership
from onboarding import services


class MemberDetailView(company_views.MemberDetailView):
    def delete(self, request: Request, slug: str, pk: int) -> Response:
        """Remove the member; what they own passes to the admin removing them (the pages let one choose)."""

        def remove(membership: Membership) -> None:
            services.membership_remove(company=self.company, actor=self.actor, membership=membership)

        return self.guarded_write(request, remove)
