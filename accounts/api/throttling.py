from rest_framework.settings import api_settings
from rest_framework.throttling import UserRateThrottle


class PerUserThrottle(UserRateThrottle):
    """Requests per user (per address for anonymous requests), at the rate set in
    ``API_THROTTLE_RATE``; read per request so that settings overrides apply."""

    def get_rate(self):
        return api_settings.DEFAULT_THROTTLE_RATES[self.scope]
