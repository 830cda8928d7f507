"""Pausing sign-ins after failures: django-axes' database handler, plus a limit per address.

axes locks a (username, address) pair after ``AXES_FAILURE_LIMIT`` failures. On its own
that lets one address try a password or two against every username it can guess
(password spraying). So an address is paused as well once it has failed
``AXES_IP_FAILURE_LIMIT`` times within the cool-off, over all usernames; the limit is
higher, since colleagues behind one office address mistype too.

Never per username alone: anybody could then lock a known person out from everywhere.
A person locked out at one address still signs in from another, and signing in
successfully clears only their own failures — not the address's count, which an
attacker with one login of their own could otherwise wipe.

Behind a reverse proxy every request comes from the proxy's address: counted as is,
all sign-ins would share one address and its limit. ``TRUSTED_PROXY_COUNT`` says how
many proxies stand in front (see ``client_ip``).
"""

from __future__ import annotations

import ipaddress
import logging

from axes.attempts import get_cool_off_threshold
from axes.conf import settings
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username
from axes.models import AccessAttempt
from axes.signals import user_locked_out
from django.db.models import Sum

log = logging.getLogger(__name__)


def client_ip(request) -> str | None:
    """The address a sign-in came from. Behind ``TRUSTED_PROXY_COUNT`` proxies, each of
    which appends the address it saw to X-Forwarded-For, that is the entry that many
    places from the right; what stands further left the client wrote itself, and could
    say anything. Without proxies, or when the header is shorter, the connection's address."""
    count = settings.TRUSTED_PROXY_COUNT
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    if count and len(forwarded) >= count:
        try:
            return str(ipaddress.ip_address(forwarded[-count]))
        except ValueError:
            pass  # not written by a proxy we know of: use the connection's address
    return request.META.get("REMOTE_ADDR")


class AddressLimitHandler(AxesDatabaseHandler):
    def address_failures(self, request) -> int:
        attempts = AccessAttempt.objects.filter(ip_address=request.axes_ip_address)
        if settings.AXES_COOLOFF_TIME is not None:
            attempts = attempts.filter(attempt_time__gte=get_cool_off_threshold(request))
        return attempts.aggregate(failures=Sum("failures_since_start"))["failures"] or 0

    def address_locked(self, request) -> bool:
        return settings.AXES_LOCK_OUT_AT_FAILURE and self.address_failures(request) >= settings.AXES_IP_FAILURE_LIMIT

    def is_locked(self, request, credentials: dict | None = None) -> bool:
        return super().is_locked(request, credentials) or self.address_locked(request)

    def user_login_failed(self, sender, credentials: dict, request=None, **kwargs):
        super().user_login_failed(sender, credentials, request=request, **kwargs)
        if request is None or request.axes_locked_out or self.is_whitelisted(request, credentials):
            return
        if self.address_locked(request):
            # As axes does for a pair: this failure already answers with the lockout page.
            log.warning("Signing in from %s is paused: too many failures from this address.", request.axes_ip_address)
            request.axes_locked_out = True
            request.axes_credentials = credentials
            user_locked_out.send(
                "axes", request=request, username=get_client_username(request, credentials),
                ip_address=request.axes_ip_address,
            )
