"""A cycle's possible overlaps over HTTP: list them with scores and reasons, dismiss one, convert one.

Converting makes a dependency or a shared key result.

Thin views over ``objectives.overlaps`` (the finder, filtered for the caller)
and ``objectives.services.overlaps``; the pages call the same.
"""

from drf_spectacular.utils import OpenApiExample, PolymorphicProxySerializer, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from objectives.api.serializers import SharedKeyResultSerializer
from objectives.api.views import _OneCycle
from objectives.models import Dependency
from objectives.overlaps import Overlap, can_act_on, overlaps_for_reader
from objectives.services.overlaps import CONVERT_KINDS, PAIR_SIDES, overlap_convert, overlap_dismiss, share_choice

DEFAULT_LIMIT = 100
MAX_LIMIT = 1000


class OverlapSideSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=["objective", "key_result"])
    id = serializers.IntegerField()
    objective_id = serializers.IntegerField(help_text="The objective itself, or the key result's objective.")
    title = serializers.CharField()
    department_id = serializers.IntegerField()
    department = serializers.CharField(source="department_name")
    cycle_id = serializers.IntegerField()


class OverlapSerializer(serializers.Serializer):
    pair = serializers.CharField(source="key", help_text='The pair\'s name, for dismiss and convert: "k12|o7".')
    score = serializers.FloatField(help_text="0 to 1; pairs from the default threshold (README, Overlaps) are listed.")
    reasons = serializers.ListField(child=serializers.CharField())
    shared_terms = serializers.ListField(child=serializers.CharField())
    first = OverlapSideSerializer()
    second = OverlapSideSerializer()
    can_act = serializers.SerializerMethodField(help_text="Whether the caller may dismiss or convert the pair.")
    can_share = serializers.SerializerMethodField(
        help_text="Whether the caller may convert the pair into a shared key result (a side is a key result and "
        "the caller may link the other side's objective)."
    )

    def get_can_act(self, overlap: Overlap) -> bool:
        return can_act_on(self.context["actor"], overlap)

    def get_can_share(self, overlap: Overlap) -> bool:
        return share_choice(self.context["actor"], overlap) is not None


class OverlapListSerializer(serializers.Serializer):
    count = serializers.IntegerField(help_text="Pairs the caller may see (both sides readable, not dismissed).")
    results = OverlapSerializer(many=True)


class PairInputSerializer(serializers.Serializer):
    pair = serializers.CharField(help_text='A listed pair\'s name, such as "k12|o7".')


class ConvertInputSerializer(PairInputSerializer):
    depending = serializers.ChoiceField(
        choices=list(PAIR_SIDES),
        required=False,
        allow_null=True,
        default=None,
        help_text="The side whose objective depends on the other; by default the first side the caller manages.",
    )
    kind = serializers.ChoiceField(
        choices=list(CONVERT_KINDS),
        required=False,
        default="dependency",
        help_text="What the pair becomes: a dependency (the default), or a shared key result (the side that is a "
        "key result is shared into the other side's objective).",
    )
    key_result = serializers.ChoiceField(
        choices=list(PAIR_SIDES),
        required=False,
        allow_null=True,
        default=None,
        help_text="With `shared_key_result` when both sides are key results: the one shared into the other's "
        "objective.",
    )


class DismissalSerializer(serializers.Serializer):
    pair = serializers.CharField(source="pair_key")
    dismissed_at = serializers.DateTimeField(source="created_at")


class DependencyOutSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    from_objective = serializers.IntegerField(source="from_objective_id")
    to_objective = serializers.IntegerField(source="to_objective_id")
    note = serializers.CharField()


_PAIR_EXAMPLE = {
    "pair": "k88|o41",
    "score": 0.61,
    "reasons": ["shared key terms: germany, france, qualified, leads/pipeline"],
    "shared_terms": ["germany", "france", "qualified", "leads/pipeline"],
    "first": {
        "kind": "key_result",
        "id": 88,
        "objective_id": 40,
        "title": "Grow qualified pipeline in DACH and France to €4M",
        "department_id": 3,
        "department": "Sales",
        "cycle_id": 9,
    },
    "second": {
        "kind": "objective",
        "id": 41,
        "objective_id": 41,
        "title": "Generate 1,000 qualified leads from Germany and France",
        "department_id": 4,
        "department": "Marketing",
        "cycle_id": 9,
    },
    "can_act": True,
    "can_share": True,
}


class OverlapQuerySerializer(serializers.Serializer):
    limit = serializers.IntegerField(
        required=False, min_value=1, max_value=MAX_LIMIT, default=DEFAULT_LIMIT, help_text="At most this many pairs."
    )


class CycleOverlapsView(_OneCycle):
    query_serializer = OverlapQuerySerializer

    @extend_schema(
        parameters=[OverlapQuerySerializer],
        responses=OverlapListSerializer,
        examples=[OpenApiExample("Overlaps", response_only=True, value={"count": 1, "results": [_PAIR_EXAMPLE]})],
        description="Possible overlaps of the cycle (and the cycles enclosing it): pairs of objectives and key "
        "results of different departments that may chase the same result, best first, with their score and "
        "reasons. A pair shows only when the caller may read both sides; dismissed pairs are left out. 400 "
        "naming `limit` when it is not a number from 1 to 1000.",
    )
    def get(self, request: Request, slug: str, pk: int) -> Response:
        query = OverlapQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        limit = query.validated_data["limit"]
        found = overlaps_for_reader(company=self.company, actor=self.actor, cycle=self.get_object())
        context = {**self.get_serializer_context(), "actor": self.actor}
        return Response(
            {"count": len(found), "results": OverlapSerializer(found[:limit], many=True, context=context).data}
        )


class OverlapDismissView(_OneCycle):
    @extend_schema(
        request=PairInputSerializer,
        responses=DismissalSerializer,
        description='Mark a listed pair as "not the same": nobody in the company is shown it again. Who may '
        "link either side as a dependency may dismiss (403 otherwise). 400 naming `pair` when it is not a pair's "
        "name; 404 when the pair is not listed for the caller.",
    )
    def post(self, request: Request, slug: str, pk: int) -> Response:
        serializer = PairInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        dismissal = overlap_dismiss(
            company=self.company, actor=self.actor, cycle=self.get_object(), pair=serializer.validated_data["pair"]
        )
        return Response(DismissalSerializer(dismissal).data)


class OverlapConvertView(_OneCycle):
    @extend_schema(
        request=ConvertInputSerializer,
        responses={
            201: PolymorphicProxySerializer(
                component_name="OverlapConverted",
                serializers=[DependencyOutSerializer, SharedKeyResultSerializer],
                resource_type_field_name=None,
            )
        },
        examples=[
            OpenApiExample("Link as a dependency", request_only=True, value={"pair": "k88|o41"}),
            OpenApiExample(
                "Share the key result", request_only=True, value={"pair": "k88|o41", "kind": "shared_key_result"}
            ),
        ],
        description="Turn a listed pair into a dependency between its sides' objectives (`kind` `dependency`, the "
        "default), through the dependencies' own rule and event (`dependency.created`), or into a shared key "
        "result (`kind` `shared_key_result`): the side that is a key result is shared into the other side's "
        "objective (`key_result.shared`; with two key results, `key_result` names the one shared). Either way "
        "the pair is no longer listed. 400 naming `pair`, `depending`, `kind` (or a pair with no key result to "
        "share) or `key_result`; 403 when the caller may not link the depending or receiving side; 404 when the "
        "pair is not listed for the caller.",
    )
    def post(self, request: Request, slug: str, pk: int) -> Response:
        serializer = ConvertInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        made = overlap_convert(
            company=self.company,
            actor=self.actor,
            cycle=self.get_object(),
            pair=data["pair"],
            depending=data["depending"],
            kind=data["kind"],
            key_result=data["key_result"],
        )
        if isinstance(made, Dependency):
            return Response(DependencyOutSerializer(made).data, status=201)
        return Response(SharedKeyResultSerializer(made).data, status=201)
