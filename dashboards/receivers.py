"""Listeners to other apps' signals; each hands over to a service at once."""

from . import services


def apply_default_metrics(sender, account, by=None, **kwargs):
    services.metric_template_apply(account=account, by=by)
