"""Query filters of the list endpoints (django-filter); invalid values answer 400."""

import django_filters

from objectives.models import CheckIn, Confidence, Dependency, KeyResult, Objective, ObjectiveStatus
from objectives.selectors import behind_pace_q


class _BehindPace(django_filters.FilterSet):
    behind_pace = django_filters.BooleanFilter(
        method="filter_behind_pace", label="Known progress more than 0.15 below the cycle's expected pace."
    )
    cycle_field = "cycle_id"

    def filter_behind_pace(self, queryset, name, value):
        actor = self.request.actor
        condition = behind_pace_q(
            company=actor.company, today=actor.company.local_today(), cycle_field=self.cycle_field
        )
        return queryset.filter(condition) if value else queryset.exclude(condition)


class ObjectiveFilter(_BehindPace):
    cycle = django_filters.NumberFilter(field_name="cycle_id")
    department = django_filters.NumberFilter(field_name="department_id")
    company_level = django_filters.BooleanFilter(field_name="department", lookup_expr="isnull")
    owner = django_filters.NumberFilter(field_name="owner_id")
    parent = django_filters.NumberFilter(field_name="parent_id")
    status = django_filters.MultipleChoiceFilter(choices=ObjectiveStatus.choices)
    private = django_filters.BooleanFilter()

    class Meta:
        model = Objective
        fields = ["cycle", "department", "company_level", "owner", "parent", "status", "private", "behind_pace"]


class KeyResultFilter(_BehindPace):
    cycle_field = "objective__cycle_id"
    objective = django_filters.NumberFilter(field_name="objective_id")
    cycle = django_filters.NumberFilter(field_name="objective__cycle_id")
    department = django_filters.NumberFilter(field_name="objective__department_id")
    owner = django_filters.NumberFilter(field_name="owner_id")
    confidence = django_filters.MultipleChoiceFilter(choices=Confidence.choices)

    class Meta:
        model = KeyResult
        fields = ["objective", "cycle", "department", "owner", "confidence", "behind_pace"]


class CheckInFilter(django_filters.FilterSet):
    confidence = django_filters.MultipleChoiceFilter(choices=Confidence.choices)
    created_after = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="lt")
    effective = django_filters.BooleanFilter(
        field_name="stands",
        help_text="true: only the entries that count (what the key result's value and chart read); "
        "false: only corrected and undone entries and the undos themselves.",
    )

    class Meta:
        model = CheckIn
        fields = ["confidence", "created_after", "created_before", "effective"]


class DependencyFilter(django_filters.FilterSet):
    from_objective = django_filters.NumberFilter(field_name="from_objective_id")
    to_objective = django_filters.NumberFilter(field_name="to_objective_id")

    class Meta:
        model = Dependency
        fields = ["from_objective", "to_objective"]
