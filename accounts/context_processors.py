from django.urls import NoReverseMatch, reverse


def navigation(request):
    """The accounts in the navigation, fetched lazily so pages that don't render the
    navigation pay nothing."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}

    from .access import visible_accounts

    try:
        portfolio_url = reverse("portfolio:index")
    except NoReverseMatch:
        portfolio_url = None
    return {
        "nav_accounts": lambda: list(visible_accounts(user).only("name", "slug").order_by("name")[:25]),
        "nav_portfolio_url": portfolio_url,
    }
