from django.urls import path

from . import views

app_name = "dashboards"

# Included under accounts/<slug>/dashboard/.
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("<quarter:quarter>/", views.entry, name="entry"),
    path("<quarter:quarter>/import/", views.results_import, name="import"),
    path("<quarter:quarter>/import/template.<str:kind>", views.import_template, name="import_template"),
    path("metrics/", views.metrics, name="metrics"),
    path("metrics/new/", views.metric_add, name="metric_add"),
    path("metrics/<int:pk>/", views.metric, name="metric"),
    path("metrics/<int:pk>/edit/", views.metric_edit, name="metric_edit"),
    path("metrics/<int:pk>/goal/", views.metric_goal, name="metric_goal"),
    path("metrics/<int:pk>/sign-off/", views.metric_sign_off, name="metric_sign_off"),
    path("metrics/<int:pk>/move/", views.metric_move, name="metric_move"),
    path("metrics/<int:pk>/retire/", views.metric_retire, name="metric_retire"),
]
