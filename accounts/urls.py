from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("new/", views.account_create, name="create"),
    path("<slug:slug>/", views.overview, name="overview"),
    path("<slug:slug>/edit/", views.account_edit, name="edit"),
    path("<slug:slug>/history/", views.history, name="history"),
    path("<slug:slug>/members/", views.memberships, name="memberships"),
    path("<slug:slug>/members/<int:pk>/", views.membership_edit, name="membership_edit"),
    path("<slug:slug>/members/<int:pk>/remove/", views.membership_remove, name="membership_remove"),
]
