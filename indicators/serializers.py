from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from indicators import services
from indicators.models import Indicator, Observation, SeriesValue
from indicators.templatetags.kpi import plain_number
from plans.serializers import PlanSerializer, StrategySerializer


@extend_schema_field(
    {"type": "string", "format": "decimal", "example": "2.05", "pattern": r"^-?\d+(\.\d+)?$"}
)
class DecimalString(serializers.Field):
    """A decimal as a string without exponent or trailing zeros ("2.05", "6"): never a float."""

    def to_representation(self, value):
        return plain_number(value)

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, str | int):
            raise serializers.ValidationError('Send the value as a decimal string, e.g. "2.05".')
        try:
            return services.parse_value(data)
        except DjangoValidationError as error:
            raise serializers.ValidationError(" ".join(error.messages)) from None


@extend_schema_field({"type": "string", "format": "decimal", "nullable": True})
class OptionalDecimalString(DecimalString):
    pass


class YearValueSerializer(serializers.Serializer):
    year = serializers.IntegerField()
    value = DecimalString()


class AssessmentSerializer(serializers.Serializer):
    """indicators.progress.assess over the approved values (DESIGN.md methodology)."""

    status = serializers.ChoiceField(
        choices=[
            "not_available",
            "target_achieved",
            "substantial_progress",
            "moderate_progress",
            "limited_progress",
            "deterioration",
        ]
    )
    progress = OptionalDecimalString(allow_null=True)
    expected = OptionalDecimalString(allow_null=True)
    pace = OptionalDecimalString(allow_null=True)
    latest_year = serializers.IntegerField(allow_null=True)
    latest_value = OptionalDecimalString(allow_null=True)
    forecast_value = OptionalDecimalString(allow_null=True)
    forecast_year_reached = serializers.IntegerField(allow_null=True)

    def to_representation(self, instance):
        data = {}
        for name, field in self.fields.items():
            value = getattr(instance, name)
            data[name] = None if value is None else field.to_representation(value)
        return data


class IndicatorSerializer(serializers.ModelSerializer):
    plan = serializers.SlugRelatedField(slug_field="key", read_only=True)
    unit = serializers.CharField(source="unit_id")
    baseline = serializers.SerializerMethodField()
    target = serializers.SerializerMethodField()
    url = serializers.SerializerMethodField(help_text="The KPI's public page (a path).")
    assessment = serializers.SerializerMethodField()

    class Meta:
        model = Indicator
        fields = [
            "id",
            "plan",
            "key",
            "name_ko",
            "name_en",
            "unit",
            "direction",
            "method",
            "baseline",
            "target",
            "provisional",
            "url",
            "assessment",
        ]

    @extend_schema_field(YearValueSerializer)
    def get_baseline(self, indicator):
        return {"year": indicator.baseline_year, "value": plain_number(indicator.baseline_value)}

    @extend_schema_field(YearValueSerializer)
    def get_target(self, indicator):
        return {"year": indicator.target_year, "value": plain_number(indicator.target_value)}

    def get_url(self, indicator) -> str:
        return indicator.get_absolute_url()

    @extend_schema_field(AssessmentSerializer)
    def get_assessment(self, indicator):
        return AssessmentSerializer().to_representation(indicator.assessment)


class ObservationSerializer(serializers.ModelSerializer):
    value = DecimalString()

    class Meta:
        model = Observation
        fields = [
            "id",
            "indicator",
            "year",
            "value",
            "status",
            "source",
            "note",
            "version",
            "updated_at",
        ]
        read_only_fields = fields


class ObservationCreateSerializer(serializers.Serializer):
    indicator = serializers.IntegerField(help_text="KPI id (see /api/v1/indicators/).")
    year = serializers.IntegerField()
    value = DecimalString()
    source = serializers.CharField(required=False, allow_blank=True, max_length=500)
    note = serializers.CharField(required=False, allow_blank=True, max_length=5000)


class ObservationUpdateSerializer(serializers.Serializer):
    value = DecimalString(required=False)
    source = serializers.CharField(required=False, allow_blank=True, max_length=500)
    note = serializers.CharField(required=False, allow_blank=True, max_length=5000)
    version = serializers.IntegerField(
        min_value=1, help_text="The version you read; a stale one gets 409 and writes nothing."
    )


class VersionSerializer(serializers.Serializer):
    version = serializers.IntegerField(
        required=False, min_value=1, help_text="Optional optimistic-locking check."
    )


class CommentSerializer(VersionSerializer):
    comment = serializers.CharField(max_length=5000, help_text="Why it is returned (required).")


class ReasonSerializer(VersionSerializer):
    reason = serializers.CharField(max_length=5000, help_text="Why it is reopened (required).")


class SeriesValueSerializer(serializers.ModelSerializer):
    region = serializers.SerializerMethodField(help_text='Region code, "00" for the nation.')
    value = DecimalString()

    class Meta:
        model = SeriesValue
        fields = ["series", "region", "year", "value", "source"]

    def get_region(self, row) -> str:
        return row.region_id or "00"


class PlanDetailSerializer(PlanSerializer):
    strategies = StrategySerializer(many=True)
    indicators = IndicatorSerializer(many=True)

    class Meta(PlanSerializer.Meta):
        fields = PlanSerializer.Meta.fields + ["vision_ko", "vision_en", "strategies", "indicators"]
