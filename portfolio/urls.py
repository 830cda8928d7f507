from django.urls import path

from . import views

app_name = "portfolio"

urlpatterns = [
    path("", views.index, name="index"),
    path("matrix.json", views.matrix, name="matrix"),
    path("export.csv", views.export, {"extension": "csv"}, name="export_csv"),
    path("export.xlsx", views.export, {"extension": "xlsx"}, name="export_xlsx"),
]
