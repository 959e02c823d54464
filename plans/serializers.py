from rest_framework import serializers

from plans.models import Budget, Plan, Strategy, Task


class PlanSerializer(serializers.ModelSerializer):
    region = serializers.CharField(
        source="region_id", allow_null=True, help_text="Region code; null for the national plan."
    )
    implements = serializers.SlugRelatedField(
        slug_field="key",
        read_only=True,
        allow_null=True,
        help_text="Key of the national plan implemented.",
    )
    url = serializers.SerializerMethodField(help_text="The plan's public page (a path).")

    class Meta:
        model = Plan
        fields = [
            "key",
            "level",
            "region",
            "implements",
            "name_ko",
            "name_en",
            "start_year",
            "end_year",
            "provisional",
            "url",
        ]

    def get_url(self, plan) -> str:
        return plan.get_absolute_url()


class TaskSerializer(serializers.ModelSerializer):
    code = serializers.CharField(help_text='Shown as "<strategy>-<task>", e.g. "2-3".')
    aligns_with = serializers.SerializerMethodField(
        help_text='National tasks served, as "<plan key>:<code>" (editorial reading).'
    )

    class Meta:
        model = Task
        fields = ["code", "number", "name_ko", "name_en", "provisional", "aligns_with"]

    def get_aligns_with(self, task) -> list[str]:
        return [f"{t.strategy.plan.key}:{t.code}" for t in task.aligns_with.all()]


class StrategySerializer(serializers.ModelSerializer):
    tasks = TaskSerializer(many=True)

    class Meta:
        model = Strategy
        fields = ["number", "name_ko", "name_en", "provisional", "tasks"]


class BudgetSerializer(serializers.ModelSerializer):
    plan = serializers.SlugRelatedField(slug_field="key", read_only=True)
    task = serializers.SerializerMethodField(
        help_text='Task code ("2-1"), or null for the whole plan.'
    )

    class Meta:
        model = Budget
        fields = [
            "plan",
            "year",
            "basis",
            "task",
            "total",
            "central",
            "local",
            "private",
            "sources",
        ]

    def get_task(self, budget) -> str | None:
        return budget.task.code if budget.task_id else None
