import django.contrib.admin.apps
from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts and access"


class AdminConfig(django.contrib.admin.apps.AdminConfig):
    """Django's admin on Tandem's site: only administrators get in (see accounts.admin_site)."""

    default = False  # accounts itself is AccountsConfig
    default_site = "accounts.admin_site.TandemAdminSite"
