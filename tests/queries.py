from django.db import connection
from django.test.utils import CaptureQueriesContext


def count_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, f"{url} answered {response.status_code}"
    return len(captured)


def assert_query_count_is_constant(client, user, url, grow, pinned: int) -> None:
    """The page costs exactly ``pinned`` queries, before and after ``grow()`` adds data."""
    client.force_login(user)
    client.get(url)  # warm caches (content types, session)
    before = count_queries(client, url)
    grow()
    after = count_queries(client, url)
    assert (before, after) == (pinned, pinned), f"{url}: {before} queries, then {after} with more data"


def assert_cached_query_counts(client, user, url, grow, *, changed: int, unchanged: int, forget=None) -> None:
    """A cached page (``accounts.versioned_cache``) costs ``changed`` queries on the first
    visit after its cache is forgotten (``forget()``; the portfolio's unless given) and
    ``unchanged`` on the next, as many with more data (``grow()``) as before."""
    from portfolio.overview import portfolio_changed

    forget = forget or portfolio_changed
    client.force_login(user)
    client.get(url)  # warm caches (content types, session)
    counts = []
    for change in (forget, grow):
        change()
        forget()
        counts.append((count_queries(client, url), count_queries(client, url)))
    assert counts == [(changed, unchanged)] * 2, f"{url}: {counts}, then with more data"
