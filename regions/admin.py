from django.contrib import admin

from regions.models import Agency, Membership, Region


class AgencyInline(admin.StackedInline):
    model = Agency
    extra = 0


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ["code", "name_ko", "name_en", "kostat_code", "order"]
    search_fields = ["code", "name_ko", "name_en", "short_ko", "short_en"]
    ordering = ["order"]
    inlines = [AgencyInline]


@admin.register(Agency)
class AgencyAdmin(admin.ModelAdmin):
    list_display = ["name_ko", "name_en", "abbreviation", "region"]
    search_fields = ["name_ko", "name_en", "abbreviation"]
    list_select_related = ["region"]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "role", "region"]
    list_filter = ["role", "region"]
    search_fields = ["user__username", "user__email"]
    list_select_related = ["user", "region"]
    autocomplete_fields = ["user"]
