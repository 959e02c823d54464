from django.urls import path

from indicators import import_views, views

urlpatterns = [
    path("workspace/", views.workspace, name="workspace"),
    path("workspace/import/", import_views.upload, name="import_upload"),
    path("workspace/import/<int:batch_id>/", import_views.preview, name="import_preview"),
    path("workspace/template.<str:fmt>", import_views.template, name="import_template"),
    path("data/kpi-values.csv", views.export_observations, name="export_observations"),
    path("review/", views.review_queue, name="review_queue"),
    path("review/board/", views.review_board, name="review_board"),
    path("observations/<int:pk>/reopen/", views.reopen, name="observation_reopen"),
    path("plans/<slug:key>/kpis/<slug:kpi>/target/", views.revise_target, name="revise_target"),
]
