import django_filters
from django.db.models import Prefetch
from rest_framework import mixins, viewsets

from indicators.models import Indicator
from plans.models import Budget, Plan, Strategy, Task
from plans.serializers import BudgetSerializer, PlanDetailSerializer, PlanSerializer


class PlanFilter(django_filters.FilterSet):
    level = django_filters.ChoiceFilter(
        choices=[("national", "national"), ("regional", "regional")]
    )
    region = django_filters.CharFilter(field_name="region_id", help_text="Region code, e.g. 26.")

    class Meta:
        model = Plan
        fields = ["level", "region"]


class BudgetFilter(django_filters.FilterSet):
    plan = django_filters.CharFilter(field_name="plan__key", help_text="Plan key.")

    class Meta:
        model = Budget
        fields = ["plan"]


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


class BudgetViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Yearly investment (억원) per plan, and per task where reported; null parts = not reported."""

    serializer_class = BudgetSerializer
    filterset_class = BudgetFilter
    queryset = Budget.objects.select_related("plan", "task__strategy").order_by(
        "plan__key", "year", "-basis", "task_id"
    )
