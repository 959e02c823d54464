from django.core.validators import ProhibitNullCharactersValidator
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.numbers import plain_number
from indicators import entry, services
from indicators.models import Indicator, Observation, SeriesValue
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
            return entry.parse_value(data)
        except entry.ValueRefused as refused:
            raise serializers.ValidationError(refused.finding.message) from None


@extend_schema_field(
    {
        "type": "string",
        "format": "decimal",
        "example": "2.05",
        "description": "The value as typed: a point for decimals, commas only between groups "
        'of three digits ("1,234.5"); checked by the rulebook of entered values.',
    }
)
class EnteredValue(serializers.Field):
    """A value as a person typed it, handed to the rulebook (indicators/entry.py) unparsed, so
    that the API refuses and flags exactly what the pages and the import do."""

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, str | int):
            raise serializers.ValidationError('Send the value as a decimal string, e.g. "2.05".')
        return data


@extend_schema_field({"type": "string", "format": "decimal", "nullable": True})
class OptionalDecimalString(DecimalString):
    pass


class YearValueSerializer(serializers.Serializer):
    year = serializers.IntegerField()
    value = DecimalString()


class AssessmentSerializer(serializers.Serializer):
    """indicators.progress.assess over the approved values (docs/methodology.md)."""

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


class EnteredText(serializers.CharField):
    """A source or note as typed: the rulebook checks it (length, web address, NUL), so that
    its message is the same on every path."""

    def __init__(self, **kwargs):
        super().__init__(required=False, allow_blank=True, trim_whitespace=False, **kwargs)
        self.validators = [
            v for v in self.validators if not isinstance(v, ProhibitNullCharactersValidator)
        ]


class FlagSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="Which rule: outlier, implausible, soft_bounds.")
    message = serializers.CharField()


class ObservationDetailSerializer(ObservationSerializer):
    """One value, with what the rulebook flags in it (a note is needed to submit it)."""

    flags = serializers.SerializerMethodField(
        help_text="Why the value needs a note before it can be submitted; empty when it does "
        "not (indicators/entry.py)."
    )

    class Meta(ObservationSerializer.Meta):
        fields = [*ObservationSerializer.Meta.fields, "flags"]
        read_only_fields = fields

    @extend_schema_field(FlagSerializer(many=True))
    def get_flags(self, observation) -> list[dict]:
        return [
            {"code": flag.code, "message": flag.message} for flag in services.flags_of(observation)
        ]


class ObservationCreateSerializer(serializers.Serializer):
    indicator = serializers.IntegerField(help_text="KPI id (see /api/v1/indicators/).")
    year = serializers.IntegerField()
    value = EnteredValue()
    source = EnteredText()
    note = EnteredText()


class ObservationUpdateSerializer(serializers.Serializer):
    value = EnteredValue(required=False)
    source = EnteredText()
    note = EnteredText()
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
