import django_filters
from django.db.models import BigIntegerField, Prefetch
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from indicators import entry, services
from indicators.models import Indicator, Observation, SeriesValue, WorkflowStatus
from indicators.progress import STATUSES
from indicators.serializers import (
    CommentSerializer,
    IndicatorSerializer,
    ObservationCreateSerializer,
    ObservationDetailSerializer,
    ObservationSerializer,
    ObservationUpdateSerializer,
    PlanDetailSerializer,
    ReasonSerializer,
    SeriesValueSerializer,
    VersionSerializer,
)
from plans.models import Plan, Strategy, Task
from plans.serializers import PlanSerializer
from regions.access import NATIONAL, may, scope_of


class IndicatorFilter(django_filters.FilterSet):
    plan = django_filters.CharFilter(field_name="plan__key", help_text="Plan key.")
    region = django_filters.CharFilter(field_name="plan__region_id", help_text="Region code.")

    class Meta:
        model = Indicator
        fields = ["plan", "region"]


@extend_schema(
    parameters=[
        OpenApiParameter(
            "status", str, enum=list(STATUSES), description="Only KPIs with this assessed status."
        )
    ]
)
class IndicatorViewSet(viewsets.ReadOnlyModelViewSet):
    """KPIs with baseline, target and their assessment over approved values."""

    serializer_class = IndicatorSerializer
    filterset_class = IndicatorFilter
    lookup_value_regex = r"\d+"

    def get_queryset(self):
        return (
            Indicator.objects.select_related("plan__region", "unit")
            .order_by("plan__key", "id")
            .with_approved_observations()
        )

    def list(self, request, *args, **kwargs):
        queryset = self.filter_queryset(self.get_queryset())
        wanted = request.query_params.get("status")
        if wanted is not None:
            if wanted not in STATUSES:
                raise serializers.ValidationError(
                    {"status": [f"Use one of: {', '.join(STATUSES)}."]}
                )
            # The status is computed, not stored: filter after assessing.
            queryset = [i for i in queryset if i.assessment.status == wanted]
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)


class ObservationFilter(django_filters.FilterSet):
    # Bounded by the id column's range: SQLite cannot even compare a larger number with it
    # (OverflowError, a 500); out of range is a 400 like any other bad filter.
    indicator = django_filters.NumberFilter(
        field_name="indicator_id",
        min_value=-BigIntegerField.MAX_BIGINT - 1,
        max_value=BigIntegerField.MAX_BIGINT,
    )
    plan = django_filters.CharFilter(field_name="indicator__plan__key")
    region = django_filters.CharFilter(field_name="indicator__plan__region_id")
    year = django_filters.NumberFilter()
    status = django_filters.ChoiceFilter(choices=WorkflowStatus.choices)

    class Meta:
        model = Observation
        fields = ["indicator", "plan", "region", "year", "status"]


class WriteNeedsLogin(permissions.BasePermission):
    def has_permission(self, request, view):
        return request.method in permissions.SAFE_METHODS or request.user.is_authenticated


class ObservationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Yearly KPI values and their review workflow. Anonymous callers see approved values;
    a secretariat also sees its own region's other values; ministry officers see all."""

    filterset_class = ObservationFilter
    permission_classes = [WriteNeedsLogin]
    lookup_value_regex = r"\d+"
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    # Every handler takes `format`: the router also serves each URL with a format suffix
    # (`/observations/42/submit.json`), and a handler without it fails with a 500.

    def get_queryset(self):
        return (
            Observation.objects.visible_to(self.request.user)
            .select_related("indicator__plan", "indicator__unit")
            .order_by("indicator_id", "year")
        )

    def get_serializer_class(self):
        # One value carries the rulebook's flags; a list does not (they cost queries per row).
        return ObservationSerializer if self.action == "list" else ObservationDetailSerializer

    def _done(self, observation, code=status.HTTP_200_OK):
        observation = Observation.objects.select_related("indicator__plan", "indicator__unit").get(
            pk=observation.pk
        )
        return Response(ObservationDetailSerializer(observation).data, status=code)

    @extend_schema(
        request=ObservationCreateSerializer, responses={201: ObservationDetailSerializer}
    )
    def create(self, request, format=None):
        """Enter a value as a draft (the KPI's region's secretariat, or the ministry for
        national-plan KPIs)."""
        data = ObservationCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = data.validated_data
        indicator = (
            Indicator.objects.select_related("plan", "unit").filter(pk=fields["indicator"]).first()
        )
        if indicator is None:
            raise serializers.ValidationError({"indicator": ["No KPI with this id."]})
        if not may(request.user, "indicators.enter_value", indicator):
            raise exceptions.PermissionDenied(
                entry.not_yours(
                    indicator, enters_national=scope_of(request.user).may_enter(NATIONAL)
                )
            )
        if Observation.objects.filter(indicator=indicator, year=fields["year"]).exists():
            raise serializers.ValidationError(
                {"year": ["A value for this KPI and year exists already: PATCH it instead."]}
            )
        observation = services.save_observation(
            indicator=indicator,
            year=fields["year"],
            value=fields["value"],
            source=fields.get("source", ""),
            note=fields.get("note", ""),
            by=request.user,
        )
        return self._done(observation, status.HTTP_201_CREATED)

    @extend_schema(
        request=ObservationUpdateSerializer, responses={200: ObservationDetailSerializer}
    )
    def partial_update(self, request, pk=None, format=None):
        """Edit a draft or returned value; send the `version` you read."""
        observation = self.get_object()
        data = ObservationUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = data.validated_data
        observation = services.save_observation(
            indicator=observation.indicator,
            year=observation.year,
            value=fields.get("value", observation.value),
            source=fields.get("source", observation.source),
            note=fields.get("note", observation.note),
            by=request.user,
            version=fields["version"],
        )
        return self._done(observation)

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "version", int, description="Optional optimistic-locking check: the version read."
            )
        ],
        responses={204: None},
    )
    def destroy(self, request, pk=None, format=None):
        """Delete a draft (those who enter the KPI's values); its history keeps it. Anything
        but a draft: 409."""
        version = request.query_params.get("version")
        if version is not None and not version.isdigit():
            raise serializers.ValidationError({"version": ["A whole number."]})
        services.delete_observation(observation=self.get_object(), by=request.user, version=version)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=VersionSerializer, responses={200: ObservationDetailSerializer})
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None, format=None):
        """Take back a submitted value the ministry has not reviewed yet: it is a draft again.
        Anything but a submitted value: 409."""
        version = self._version(request, VersionSerializer)
        return self._done(
            services.withdraw_observation(
                observation=self.get_object(), by=request.user, version=version
            )
        )

    @extend_schema(request=VersionSerializer, responses={200: ObservationDetailSerializer})
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None, format=None):
        """Submit a draft or returned value for review."""
        version = self._version(request, VersionSerializer)
        return self._done(
            services.submit_observation(
                observation=self.get_object(), by=request.user, version=version
            )
        )

    @extend_schema(request=VersionSerializer, responses={200: ObservationDetailSerializer})
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None, format=None):
        """Approve a submitted value (ministry officers; not one's own entry)."""
        version = self._version(request, VersionSerializer)
        return self._done(
            services.approve_observation(
                observation=self.get_object(), by=request.user, version=version
            )
        )

    @extend_schema(
        request=CommentSerializer,
        responses={200: ObservationDetailSerializer},
        operation_id="observations_return",
    )
    @action(detail=True, methods=["post"], url_path="return")
    def return_(self, request, pk=None, format=None):
        """Return a submitted value to the secretariat, with a required comment."""
        data = CommentSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return self._done(
            services.return_observation(
                observation=self.get_object(),
                by=request.user,
                comment=data.validated_data["comment"],
                version=data.validated_data.get("version"),
            )
        )

    @extend_schema(request=ReasonSerializer, responses={200: ObservationDetailSerializer})
    @action(detail=True, methods=["post"])
    def reopen(self, request, pk=None, format=None):
        """Reopen an approved value for correction, with a required reason (ministry)."""
        data = ReasonSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return self._done(
            services.reopen_observation(
                observation=self.get_object(),
                by=request.user,
                reason=data.validated_data["reason"],
                version=data.validated_data.get("version"),
            )
        )

    def _version(self, request, serializer_class):
        data = serializer_class(data=request.data)
        data.is_valid(raise_exception=True)
        return data.validated_data.get("version")


class SeriesFilter(django_filters.FilterSet):
    series = django_filters.CharFilter()
    region = django_filters.CharFilter(
        method="filter_region", help_text='Region code; "00" for the national figure.'
    )
    year = django_filters.NumberFilter()

    class Meta:
        model = SeriesValue
        fields = ["series", "region", "year"]

    def filter_region(self, queryset, name, value):
        if value == "00":
            return queryset.filter(region__isnull=True)
        return queryset.filter(region_id=value)


class SeriesViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Published statistics by region and year (R-COSTII rank, R&D expenditure, ...)."""

    serializer_class = SeriesValueSerializer
    filterset_class = SeriesFilter
    queryset = SeriesValue.objects.order_by("series", "region_id", "year")


class PlanFilter(django_filters.FilterSet):
    level = django_filters.ChoiceFilter(
        choices=[("national", "national"), ("regional", "regional")]
    )
    region = django_filters.CharFilter(field_name="region_id", help_text="Region code, e.g. 26.")

    class Meta:
        model = Plan
        fields = ["level", "region"]


class PlanViewSet(viewsets.ReadOnlyModelViewSet):
    """The national plan and every regional plan; the detail carries strategies, tasks and KPIs."""

    lookup_field = "key"
    filterset_class = PlanFilter

    def get_queryset(self):
        queryset = Plan.objects.select_related("region", "implements").order_by(
            "level", "region__order", "key"
        )
        if self.action == "retrieve":
            tasks = Task.objects.order_by("number").prefetch_related(
                Prefetch("aligns_with", queryset=Task.objects.select_related("strategy__plan"))
            )
            queryset = queryset.prefetch_related(
                Prefetch(
                    "strategies",
                    queryset=Strategy.objects.order_by("number").prefetch_related(
                        Prefetch("tasks", queryset=tasks)
                    ),
                ),
                Prefetch(
                    "indicators",
                    queryset=Indicator.objects.select_related("plan")
                    .order_by("id")
                    .with_approved_observations(),
                ),
            )
        return queryset

    def get_serializer_class(self):
        return PlanDetailSerializer if self.action == "retrieve" else PlanSerializer
