"""Signals other apps listen to, so that accounts never imports the apps above it.

``account_created`` lets the dashboard and scorecards apply their default templates to
a new account.
"""

from django.dispatch import Signal

account_created = Signal()  # kwargs: account, by
