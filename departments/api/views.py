from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from companies.api.base import CompanyAPIView, CompanyListAPIView, only_given
from departments import services
from departments.api import serializers as s
from departments.models import Department, DepartmentMembership
from okrhub.errors import not_found
from okrhub.permissions import Action


class DepartmentListView(CompanyListAPIView):
    """Departments (and teams inside them); admins create them."""

    idempotent_post = True
    model = Department
    serializer_class = s.DepartmentSerializer
    ordering_fields = ["id", "name"]
    filterset_fields = ["parent"]

    def company_queryset(self):
        return Department.objects.filter(company=self.company)

    def get(self, request: Request, slug: str) -> Response:
        return self.list(request)

    @extend_schema(request=s.DepartmentInputSerializer, responses={201: s.DepartmentSerializer})
    def post(self, request: Request, slug: str) -> Response:
        self.actor.require(Action.MANAGE_COMPANY)
        serializer = s.DepartmentInputSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)

        def create() -> Response:
            department = services.department_create(company=self.company, actor=self.actor, **serializer.validated_data)
            return self.render_one(department, status_code=201)

        return self.idempotent(request, create)


class DepartmentDetailView(CompanyAPIView):
    object_name = "department"
    model = Department
    serializer_class = s.DepartmentSerializer

    def company_queryset(self):
        return Department.objects.filter(company=self.company)

    def get(self, request: Request, slug: str, pk: int) -> Response:
        return self.retrieve(request)

    @extend_schema(request=s.DepartmentInputSerializer, responses=s.DepartmentSerializer)
    def patch(self, request: Request, slug: str, pk: int) -> Response:
        self.actor.require(Action.MANAGE_COMPANY)
        serializer = s.DepartmentInputSerializer(data=request.data, partial=True, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        return self.guarded_write(
            request,
            lambda d: services.department_update(
                company=self.company,
                actor=self.actor,
                department=d,
                **only_given(serializer.validated_data, ["name", "slug", "parent"]),
            ),
        )

    def delete(self, request: Request, slug: str, pk: int) -> Response:
        """Delete an empty department (no objectives, no teams inside)."""
        self.actor.require(Action.MANAGE_COMPANY)
        return self.guarded_write(
            request,
            lambda d: services.department_delete(company=self.company, actor=self.actor, department=d),
        )


class DepartmentMemberListView(CompanyListAPIView):
    """A department's leads and members; admins add, change and remove them."""

    model = DepartmentMembership
    serializer_class = s.DepartmentMemberSerializer
    ordering_fields = ["id"]

    def _department(self) -> Department:
        department = Department.objects.filter(company=self.company, pk=self.kwargs["pk"]).first()
        if department is None:
            raise not_found("department")
        return department

    def company_queryset(self):
        return DepartmentMembership.objects.filter(
            company=self.company, department_id=self.kwargs["pk"]
        ).select_related("user")

    def get(self, request: Request, slug: str, pk: int) -> Response:
        self._department()
        return self.list(request)

    @extend_schema(
        request=s.DepartmentMemberInputSerializer,
        responses={201: s.DepartmentMemberSerializer},
        description="Make a company member a lead or member of the department (an existing entry changes role).",
    )
    def post(self, request: Request, slug: str, pk: int) -> Response:
        self.actor.require(Action.MANAGE_COMPANY)
        department = self._department()
        serializer = s.DepartmentMemberInputSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        membership = services.department_member_set(
            company=self.company, actor=self.actor, department=department, **serializer.validated_data
        )
        return self.render_one(
            DepartmentMembership.objects.select_related("user").get(pk=membership.pk, company=self.company),
            status_code=201,
        )


class DepartmentMemberDetailView(CompanyAPIView):
    object_name = "department member"
    model = DepartmentMembership
    serializer_class = s.DepartmentMemberSerializer

    def company_queryset(self):
        return DepartmentMembership.objects.filter(
            company=self.company, department_id=self.kwargs["pk"]
        ).select_related("user")

    def get_object(self, *, lock: bool = False) -> DepartmentMembership:
        queryset = self.get_queryset()
        if lock:
            queryset = queryset.select_for_update(of=("self",))
        membership = queryset.filter(user_id=self.kwargs["user_id"]).first()
        if membership is None:
            raise not_found(self.object_name)
        return membership

    def get(self, request: Request, slug: str, pk: int, user_id: int) -> Response:
        return self.retrieve(request)

    def delete(self, request: Request, slug: str, pk: int, user_id: int) -> Response:
        self.actor.require(Action.MANAGE_COMPANY)
        return self.guarded_write(
            request,
            lambda m: services.department_member_set(
                company=self.company, actor=self.actor, department=m.department, user=m.user, role=None
            ),
        )
