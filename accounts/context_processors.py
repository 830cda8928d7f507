from django.db.models import Exists, OuterRef
from django.urls import NoReverseMatch, reverse


class _Navigation:
    """The accounts in the navigation, fetched lazily (and once) so pages that don't
    render the navigation pay nothing. The Portfolio link is drawn from the same query:
    it is for everyone but partner users, the rule of ``access.can_see_portfolio``."""

    def __init__(self, user):
        self.user = user
        self._accounts = None

    def accounts(self):
        if self._accounts is None:
            from .access import visible_accounts
            from .models import Membership, Side

            accounts = visible_accounts(self.user).only("name", "slug").order_by("name")
            if not self.user.sees_every_account:
                accounts = accounts.annotate(as_partner=Exists(
                    Membership.objects.filter(user=self.user, account=OuterRef("pk"), side=Side.PARTNER)
                ))
            self._accounts = list(accounts[:25])
        return self._accounts

    def portfolio_url(self):
        try:
            url = reverse("portfolio:index")
        except NoReverseMatch:
            return None
        if self.user.sees_every_account:
            return url
        return None if any(account.as_partner for account in self.accounts()) else url


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    navigation = _Navigation(user)
    return {"nav_accounts": navigation.accounts, "nav_portfolio_url": navigation.portfolio_url}
