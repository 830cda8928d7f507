from django.urls import path

from . import views

app_name = "plans"

# Included under accounts/<slug>/plan/.
urlpatterns = [
    path("", views.plan, name="plan"),
    path("settings/", views.plan_settings, name="settings"),
    path("roster/", views.roster, name="roster"),
    path("roster/new/", views.roster_entry_edit, name="roster_add"),
    path("roster/<int:pk>/", views.roster_entry_edit, name="roster_edit"),
    path("roster/<int:pk>/remove/", views.roster_entry_remove, name="roster_remove"),
    path("topics/new/", views.topic_edit, name="topic_add"),
    path("topics/<int:pk>/", views.topic_edit, name="topic_edit"),
    path("topics/<int:pk>/move/", views.topic_move, name="topic_move"),
    path("actions/new/", views.action_edit, name="action_add"),
    path("actions/<int:pk>/", views.action_edit, name="action_edit"),
    path("actions/<int:pk>/progress/", views.action_progress, name="action_progress"),
    path("meetings/new/", views.meeting_edit, name="meeting_add"),
    path("meetings/<int:pk>/", views.meeting, name="meeting"),
    path("meetings/<int:pk>/edit/", views.meeting_edit, name="meeting_edit"),
    path("meetings/<int:pk>/agenda/accept/", views.agenda_accept, name="agenda_accept"),
    path("meetings/<int:pk>/agenda/", views.agenda_add, name="agenda_add"),
    path("meetings/<int:pk>/agenda/<int:item>/remove/", views.agenda_remove, name="agenda_remove"),
    path("meetings/<int:pk>/minutes/", views.minutes, name="minutes"),
    path("meetings/<int:pk>/decisions/", views.decision_add, name="decision_add"),
    path("meetings/<int:pk>/pack/", views.pack, name="pack"),
    path("meetings/<int:pk>/pack.pdf", views.pack_pdf, name="pack_pdf"),
    path("decisions/<int:pk>/action/", views.decision_make_action, name="decision_action"),
]
