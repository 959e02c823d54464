from django.urls import path

from imports import views

urlpatterns = [
    path("workspace/import/", views.upload, name="import_upload"),
    path("workspace/import/<int:batch_id>/", views.preview, name="import_preview"),
    path("workspace/template.<str:fmt>", views.template, name="import_template"),
]
