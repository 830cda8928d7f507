from rest_framework.settings import api_settings
from rest_framework.throttling import UserRateThrottle


class PerUserThrottle(UserRateThrottle):
    """Requests per user (per address for anonymous requests), at the rate set in
    ``API_THROTTLE_RATE``; read per request so that settings overrides apply.

    Counted in fixed windows of the rate's period, one counter per user and window, so a
    request costs the same however many came before it. (DRF's own sliding window keeps
    a timestamp per request and rewrites the whole list in the cache on every request.)
    """

    def get_rate(self):
        return api_settings.DEFAULT_THROTTLE_RATES[self.scope]

    def allow_request(self, request, view):
        if self.rate is None:
            return True
        ident = self.get_cache_key(request, view)
        if ident is None:
            return True
        self.now = self.timer()
        key = f"{ident}:{int(self.now // self.duration)}"
        self.cache.add(key, 0, self.duration)
        try:
            count = self.cache.incr(key)
        except ValueError:
            # The window's counter expired between the two calls, or the cache is down and
            # forgets every write (config/cache.py): the request counts as the window's first.
            self.cache.set(key, count := 1, self.duration)
        return count <= self.num_requests or self.throttle_failure()

    def wait(self):
        """Seconds until the next window opens."""
        return self.duration - self.now % self.duration
