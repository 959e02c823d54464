from django.contrib import admin

from imports.models import ImportBatch


@admin.register(ImportBatch)
class ImportBatchAdmin(admin.ModelAdmin):
    list_display = [
        "file_name",
        "user",
        "state",
        "created_at",
        "rows_total",
        "problem_count",
        "rows_written",
    ]
    list_filter = ["state"]
    search_fields = ["file_name", "user__username"]
    list_select_related = ["user"]
    exclude = ["rows_data", "writes_data"]
    readonly_fields = [
        "user",
        "file_name",
        "state",
        "rows_total",
        "rows_checked",
        "rows_written",
        "problem_count",
        "message",
    ]
