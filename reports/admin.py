from django.contrib import admin

from reports.models import Report


@admin.register(Report)
class ReportAdmin(admin.ModelAdmin):
    list_display = ["plan", "year", "state", "requested_by", "requested_at", "finished_at"]
    list_filter = ["state", "plan"]
    search_fields = ["plan__key"]
    list_select_related = ["plan", "requested_by"]
    readonly_fields = ["state", "requested_by", "finished_at", "message"]
