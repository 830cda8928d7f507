from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path, register_converter

from accounts import views as account_views
from accounts.quarters import QuarterConverter
from surveys import views as survey_views

from . import health

register_converter(QuarterConverter, "quarter")

urlpatterns = [
    path("", account_views.home, name="home"),
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/<slug:slug>/dashboard/", include("dashboards.urls")),
    path("accounts/<slug:slug>/scorecards/", include("scorecards.urls")),
    path("accounts/<slug:slug>/plan/", include("plans.urls")),
    path("accounts/<slug:slug>/surveys/", include("surveys.urls")),
    path("accounts/", include("accounts.urls")),
    path("notifications/", include("notifications.urls")),
    path("portfolio/", include("portfolio.urls")),
    # A respondent's personal link: no login, the token is the key (see surveys.services).
    path("survey/<str:token>/", survey_views.answer, name="survey_answer"),
    path("profile/tokens/", account_views.api_tokens, name="api_tokens"),
    path("profile/tokens/<int:pk>/revoke/", account_views.api_token_revoke, name="api_token_revoke"),
    path("api/", include("config.api_urls")),
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("admin/", admin.site.urls),
]

if getattr(settings, "TANDEM_BENCH", False):
    from . import bench

    # The benchmark's floor page exists only under config.settings.bench.
    urlpatterns.append(path("bench/floor/", bench.floor, name="bench_floor"))

# A database that cannot be reached answers 503, any other failure the 500 page.
handler500 = "config.error_pages.server_error"
