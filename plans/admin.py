from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from plans.models import BasicDirection, Budget, Plan, Strategy, Task
from regions.forms import SourcesAdminMixin


class DirectionInline(admin.TabularInline):
    model = BasicDirection
    extra = 0


class StrategyInline(admin.TabularInline):
    model = Strategy
    extra = 0
    fields = ["number", "name_ko", "name_en", "provisional"]
    show_change_link = True


class TaskInline(admin.TabularInline):
    model = Task
    extra = 0
    fields = ["number", "name_ko", "name_en", "provisional", "placeholder"]
    show_change_link = True


@admin.register(Plan)
class PlanAdmin(SourcesAdminMixin, SimpleHistoryAdmin):
    list_display = ["key", "name_ko", "level", "region", "start_year", "end_year", "provisional"]
    list_filter = ["level", "provisional", "region"]
    search_fields = ["key", "name_ko", "name_en", "vision_ko", "vision_en"]
    list_select_related = ["region"]
    inlines = [DirectionInline, StrategyInline]
    fieldsets = [
        (None, {"fields": ["key", "level", "region", "implements", "provisional"]}),
        (
            "이름 · Name",
            {"fields": ["name_ko", "name_en", "vision_ko", "vision_en", "goal_ko", "goal_en"]},
        ),
        ("기간 · Period", {"fields": ["start_year", "end_year", "adopted_on"]}),
        (
            "기타 · Other",
            {
                "fields": [
                    "secretariat_ko",
                    "secretariat_en",
                    "editorial_alignment",
                    "note_en",
                    "sources",
                ]
            },
        ),
    ]


@admin.register(Strategy)
class StrategyAdmin(SimpleHistoryAdmin):
    list_display = ["plan", "number", "name_ko", "provisional"]
    list_filter = ["plan", "provisional"]
    search_fields = ["name_ko", "name_en", "plan__key"]
    list_select_related = ["plan"]
    inlines = [TaskInline]


@admin.register(Task)
class TaskAdmin(SimpleHistoryAdmin):
    list_display = ["__str__", "provisional", "placeholder"]
    list_filter = ["strategy__plan", "provisional", "placeholder"]
    search_fields = ["name_ko", "name_en", "strategy__plan__key"]
    list_select_related = ["strategy__plan"]
    filter_horizontal = ["aligns_with"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("strategy__plan")


@admin.register(Budget)
class BudgetAdmin(SourcesAdminMixin, SimpleHistoryAdmin):
    list_display = ["plan", "year", "basis", "task", "total", "central", "local", "private"]
    list_filter = ["plan", "basis", "year"]
    search_fields = ["plan__key", "plan__name_ko"]
    list_select_related = ["plan", "task__strategy__plan"]
    raw_id_fields = ["task"]
