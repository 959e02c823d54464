from django.urls import path

from indicators import views

urlpatterns = [
    path("workspace/", views.workspace, name="workspace"),
    path("workspace/kpis/<int:indicator_id>/<int:year>/", views.value_form, name="value_form"),
    path("data/kpi-values.csv", views.export_observations, name="export_observations"),
    path("review/", views.review_queue, name="review_queue"),
    path("review/board/", views.review_board, name="review_board"),
    path("observations/<int:pk>/reopen/", views.reopen, name="observation_reopen"),
    path("plans/<slug:key>/kpis/<slug:kpi>/target/", views.revise_target, name="revise_target"),
]
