from django.urls import path

from . import views

app_name = "surveys"

# Mounted at accounts/<slug:slug>/surveys/; quarters are written 2026-Q3. The public
# answer page (/survey/<token>/) is in config/urls.py: it belongs to no account URL.
urlpatterns = [
    path("", views.overview, name="index"),
    path("new/", views.round_create, name="create"),
    path("statements/", views.statements, name="statements"),
    path("export.csv", views.export_csv, name="export"),
    path("<quarter:quarter>/", views.survey_round, name="round"),
    path("<quarter:quarter>/respondents/", views.respondents, name="respondents"),
    path("<quarter:quarter>/respondents/<int:pk>/remove/", views.respondent_remove, name="respondent_remove"),
    path("<quarter:quarter>/partner-confirmation/", views.partner_confirmation, name="partner_confirmation"),
    path("<quarter:quarter>/open/", views.round_open, name="open"),
    path("<quarter:quarter>/close/", views.round_close, name="close"),
    path("<quarter:quarter>/closing-day/", views.round_closing, name="closing"),
    path("<quarter:quarter>/delete/", views.round_delete, name="delete"),
]
