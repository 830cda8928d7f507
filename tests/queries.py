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

