"""Risk over the API: a province's flags, and screening runs started and followed."""

from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import generics, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import scope
from portal.api import IsProvinceOrCaseworker, principal_user, refused, write_province
from portal.fields import ProvinceField, TextField, TrueFalseField
from portal.filters import PatternFilter, ProvinceFilter, StrictFilterSet, TimestampFilter
from risk import services
from risk.models import RiskFlag, ScreeningRun

RULE_CODE_PATTERN = "^RK-[0-9]{2}$"


class FlagOutput(serializers.ModelSerializer):
    flag_id = serializers.UUIDField(source="public_id")
    id_number = serializers.CharField(source="person.id_number", default=None)

    class Meta:
        model = RiskFlag
        fields = [
            "flag_id",
            "rule",
            "rule_version",
            "parameters",
            "province",
            "id_number",
            "subject",
            "period",
            "evidence",
            "status",
            "reason",
            "created_at",
            "updated_at",
        ]


@extend_schema_field({"type": "string", "pattern": RULE_CODE_PATTERN})
class RuleFilter(PatternFilter):
    pattern = RULE_CODE_PATTERN


class FlagFilter(StrictFilterSet):
    province = ProvinceFilter(field_name="province_id")
    rule = RuleFilter(field_name="rule_id")
    updated_since = TimestampFilter(field_name="updated_at", lookup_expr="gte")

    class Meta:
        model = RiskFlag
        fields = ["province", "rule", "status"]


class FlagListView(generics.ListAPIView):
    """Risk flags (风险疑点) of the caller's provinces."""

    permission_classes = [IsProvinceOrCaseworker]
    serializer_class = FlagOutput
    filterset_class = FlagFilter

    def get_queryset(self):
        queryset = RiskFlag.objects.select_related("person")
        return scope.rows(self.request.user, queryset, scope.FLAG_ROWS)


class ScreeningInput(serializers.Serializer):
    province = ProvinceField(required=False)
    rules = serializers.ListField(
        child=TextField(pattern=RULE_CODE_PATTERN),
        required=False,
        default=list,
        help_text="Rule codes such as RK-01; all rules when empty.",
    )
    backtest = TrueFalseField(default=False)


class ScreeningOutput(serializers.ModelSerializer):
    run_id = serializers.UUIDField(source="public_id")

    class Meta:
        model = ScreeningRun
        fields = [
            "run_id",
            "province",
            "rule_codes",
            "is_backtest",
            "status",
            "slices_total",
            "slices_done",
            "hits_by_rule",
            "flags_filed",
            "created_at",
            "started_at",
            "finished_at",
        ]


class MayStartScreening(IsProvinceOrCaseworker):
    write_perm = "risk.review_riskflag"


class ScreeningStartView(APIView):
    """Start a screening run on the workers, limited to a province in the caller's scope."""

    permission_classes = [MayStartScreening]

    @extend_schema(request=ScreeningInput, responses={202: ScreeningOutput})
    def post(self, request: Request) -> Response:
        data = ScreeningInput(data=request.data)
        data.is_valid(raise_exception=True)
        requested = data.validated_data.get("province")
        province = (
            None
            if requested is None and scope.provinces(request.user) is None
            else write_province(request, requested)
        )
        try:
            run = services.screening_start(
                province=province,
                rule_codes=data.validated_data["rules"],
                backtest=data.validated_data["backtest"],
                started_by=principal_user(request),
            )
        except services.ScreeningError as error:
            raise refused("rules", "unknown_rule", str(error)) from None
        return Response(ScreeningOutput(run).data, status=status.HTTP_202_ACCEPTED)


class ScreeningDetailView(generics.RetrieveAPIView):
    """A run's progress and hits per rule."""

    permission_classes = [IsProvinceOrCaseworker]
    serializer_class = ScreeningOutput
    lookup_field = "public_id"
    lookup_url_kwarg = "run_id"

    def get_queryset(self):
        return scope.province_rows(self.request.user, ScreeningRun.objects.all())
