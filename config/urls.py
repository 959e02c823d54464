from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.db import DatabaseError, connection
from django.http import HttpResponse
from django.urls import include, path, re_path
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from core.api import not_found as api_not_found
from dashboard import views as dashboard_views
from regions import views as region_views
from regions.forms import AdminLoginForm, LoginForm


@require_safe
@never_cache
def healthz(request):
    return HttpResponse("ok", content_type="text/plain")


@require_safe
@never_cache
def readyz(request):
    """Readiness: 200 when the database answers, 503 when it does not (healthz is liveness).

    Redis is left out on purpose: without it the site still serves (no cache, jobs refused
    with a message), so a load balancer must not take every web process out for it.
    """
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError:
        return HttpResponse("database unavailable", status=503, content_type="text/plain")
    return HttpResponse("ok", content_type="text/plain")


handler500 = "core.error_pages.server_error"

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("readyz", readyz, name="readyz"),
    path("admin/", admin.site.urls),
    path("api/v1/", include("config.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path(
        "api/docs/",
        # GET only: OPTIONS would go through the HTML renderer, which has no template for it.
        SpectacularSwaggerSplitView.as_view(url_name="schema", http_method_names=["get", "head"]),
        name="api_docs",
    ),
    re_path(r"^api/", api_not_found),
]

# Korean pages have no prefix (the default language); English pages live under /en/.
urlpatterns += i18n_patterns(
    path("", dashboard_views.home, name="home"),
    path("plans/<slug:key>/", dashboard_views.plan_detail, name="plan_detail"),
    path("plans/<slug:key>/tasks/<str:code>/", dashboard_views.task_detail, name="task_detail"),
    path("plans/<slug:key>/kpis/<slug:kpi>/", dashboard_views.kpi, name="kpi_detail"),
    path("regions/<str:code>/", dashboard_views.region_detail, name="region_detail"),
    path("dashboard/", dashboard_views.overview, name="dashboard"),
    path("dashboard/regions/<str:code>/", dashboard_views.region, name="region_dashboard"),
    path("dashboard/compare/", dashboard_views.compare, name="compare"),
    path("charts/<slug:kind>/", dashboard_views.chart_embed, name="chart_embed"),
    path("charts/<slug:kind>/data.csv", dashboard_views.chart_csv, name="chart_csv"),
    path("", include("indicators.urls")),
    path("", include("imports.urls")),
    path("", include("reports.urls")),
    path("account/", region_views.account, name="account"),
    path("login/", auth_views.LoginView.as_view(authentication_form=LoginForm), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    prefix_default_language=False,
)

admin.site.site_header = _("Regional S&T plans — administration")
admin.site.site_title = _("Regional S&T plans")
admin.site.index_title = _("Administration")
# The admin's log-in counts failures and locks out exactly like the site's (regions.forms).
admin.site.login_form = AdminLoginForm
