from django.urls import path

from reports import views

urlpatterns = [
    path("plans/<slug:key>/reports/", views.report_list, name="report_list"),
    path(
        "plans/<slug:key>/reports/<int:report_id>.xlsx",
        views.report_download,
        name="report_download",
    ),
    path("plans/<slug:key>/reports/<int:report_id>/", views.report_print, name="report_print"),
]
