"""Listeners to other apps' signals; each hands over to a service at once."""

from . import services


def recompute_health(sender, account_id, **kwargs):
    services.health_recompute_later(account_id=account_id)
