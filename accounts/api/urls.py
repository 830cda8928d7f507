from rest_framework.routers import SimpleRouter

from .views import AccountViewSet, MembershipViewSet

# /api/v1/accounts/ and /api/v1/accounts/<slug>/
router = SimpleRouter()
router.register("accounts", AccountViewSet, basename="account")

# /api/v1/accounts/<account_slug>/...
account_router = SimpleRouter()
account_router.register("memberships", MembershipViewSet, basename="membership")
