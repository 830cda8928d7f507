"""The REST API: /api/v1/ (one router per app), the OpenAPI schema and its docs.

Account resources live under /api/v1/accounts/<account_slug>/; to add an app's
resources, give it an ``api.py`` with a ``router`` and list it in ACCOUNT_ROUTERS.
"""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from accounts.api.urls import account_router
from accounts.api.urls import router as accounts_router
from dashboards.api import router as dashboards_router
from notifications.api import router as notifications_router
from plans.api import router as plans_router
from portfolio.api import router as portfolio_router
from scorecards.api import router as scorecards_router
from surveys.api import router as surveys_router

ACCOUNT_ROUTERS = [account_router, dashboards_router, scorecards_router, plans_router, surveys_router]

v1 = [
    path("", include(accounts_router.urls)),
    path("", include(notifications_router.urls)),
    path("", include(portfolio_router.urls)),
    *[path("accounts/<slug:account_slug>/", include(router.urls)) for router in ACCOUNT_ROUTERS],
]

app_name = "api"
urlpatterns = [
    path("v1/", include(v1)),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema"), name="docs"),
]
