"""The budgets endpoint. The plans endpoint is in indicators/api.py: a plan's detail nests
its KPIs with their assessments, which this layer does not know."""

import django_filters
from rest_framework import mixins, viewsets

from plans.models import Budget
from plans.serializers import BudgetSerializer


class BudgetFilter(django_filters.FilterSet):
    plan = django_filters.CharFilter(field_name="plan__key", help_text="Plan key.")

    class Meta:
        model = Budget
        fields = ["plan"]


class BudgetViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Yearly investment (억원) per plan, and per task where reported; null parts = not reported."""

    serializer_class = BudgetSerializer
    filterset_class = BudgetFilter
    queryset = Budget.objects.select_related("plan", "task__strategy").order_by(
        "plan__key", "year", "-basis", "task_id"
    )
