"""Signals other apps listen to, so that accounts never imports the apps above it.

``account_created`` lets the dashboard and scorecards apply their default templates to
a new account. ``account_figures_changed`` tells the apps above that an account's
results or scorecards changed, so they can recompute what they derive from them (the
portfolio's health roll-ups).
"""

from django.dispatch import Signal

account_created = Signal()  # kwargs: account, by
account_figures_changed = Signal()  # kwargs: account_id; sent when the change is made, listeners defer
