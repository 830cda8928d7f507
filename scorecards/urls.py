from django.urls import path

from . import views

app_name = "scorecards"

# Mounted at accounts/<slug:slug>/scorecards/; quarters are written 2026-Q3.
urlpatterns = [
    path("", views.history, name="history"),
    path("export.csv", views.export_csv, name="export"),
    path("dimensions/", views.dimensions, name="dimensions"),
    path("dimensions/<int:pk>/", views.dimension_change, name="dimension_change"),
    path("<quarter:quarter>/", views.assessment, name="assessment"),
    path("<quarter:quarter>/draft/", views.autosave, name="autosave"),
    path("<quarter:quarter>/compare/", views.compare, name="compare"),
    path("<quarter:quarter>/release/", views.release, name="release"),
    path("<quarter:quarter>/reopen/<str:side>/", views.reopen, name="reopen"),
]
