from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from indicators.models import Indicator, Observation, ReminderLog, SeriesValue, Unit
from regions.forms import SourcesAdminMixin


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ["key", "symbol_ko", "symbol_en", "label_en", "decimals"]


@admin.register(Indicator)
class IndicatorAdmin(SourcesAdminMixin, SimpleHistoryAdmin):
    list_display = [
        "key",
        "name_ko",
        "plan",
        "unit",
        "direction",
        "baseline_year",
        "baseline_value",
        "target_year",
        "target_value",
        "provisional",
    ]
    list_filter = ["plan", "direction", "unit", "provisional"]
    search_fields = ["key", "name_ko", "name_en", "plan__key"]
    list_select_related = ["plan", "unit"]
    raw_id_fields = ["task"]


@admin.register(Observation)
class ObservationAdmin(SimpleHistoryAdmin):
    list_display = ["indicator", "year", "value", "status", "version", "updated_at"]
    list_filter = ["status", "year", "indicator__plan"]
    search_fields = ["indicator__key", "indicator__name_ko", "indicator__plan__key", "note"]
    list_select_related = ["indicator__plan"]
    readonly_fields = [
        "version",
        "entered_by",
        "entered_at",
        "submitted_by",
        "submitted_at",
        "reviewed_by",
        "reviewed_at",
        "updated_at",
    ]
    raw_id_fields = ["indicator"]


@admin.register(SeriesValue)
class SeriesValueAdmin(admin.ModelAdmin):
    list_display = ["series", "region", "year", "value"]
    list_filter = ["series", "region"]
    search_fields = ["series"]
    list_select_related = ["region"]


@admin.register(ReminderLog)
class ReminderLogAdmin(admin.ModelAdmin):
    list_display = ["sent_on", "kind", "recipient", "region", "year", "missing"]
    list_filter = ["kind", "sent_on", "region"]
    search_fields = ["recipient"]
    list_select_related = ["region"]
