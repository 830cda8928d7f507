"""The cast every test can use, in the spirit of alice/bob/charlie:

one account (``account``) with a member in each role, a second account
(``other_account``) that none of them belongs to, and people with global roles.
Also outages: of the Redis cache (``redis_down``) and of the broker (``broker_down``).
"""

import socket
from dataclasses import dataclass
from types import SimpleNamespace

import pytest

from accounts.models import Membership, Side, User

from .factories import MembershipFactory, PartnerAccountFactory, UserFactory

Role = Membership.Role

# name -> (side, role) inside ``account``; None: no membership
MEMBER_ROLES = {
    "manager": (Side.HOME, Role.ACCOUNT_MANAGER),
    "champion": (Side.HOME, Role.EXECUTIVE_CHAMPION),
    "contributor": (Side.HOME, Role.CONTRIBUTOR),
    "viewer": (Side.HOME, Role.VIEWER),
    "partner_champion": (Side.PARTNER, Role.EXECUTIVE_CHAMPION),
    "partner_user": (Side.PARTNER, Role.CONTRIBUTOR),
}
CAST = ["admin", "portfolio", *MEMBER_ROLES, "outsider", "anonymous"]


@dataclass
class Cast:
    account: object
    other_account: object
    users: dict

    def __getitem__(self, name):
        return self.users[name]


@pytest.fixture(autouse=True)
def empty_cache():
    """Debounce flags and the like must not leak from one test into the next."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def account(db):
    return PartnerAccountFactory(name="Helix Components", slug="helix")


@pytest.fixture
def other_account(db):
    return PartnerAccountFactory(name="Corvane Logistics", slug="corvane")


@pytest.fixture
def cast(db, account, other_account):
    users = {
        "admin": UserFactory(username="admin", global_role=User.GlobalRole.ADMINISTRATOR),
        "portfolio": UserFactory(username="paula", global_role=User.GlobalRole.PORTFOLIO_VIEWER),
        "outsider": UserFactory(username="olga"),
        "anonymous": None,
    }
    for name, (side, role) in MEMBER_ROLES.items():
        users[name] = UserFactory(username=name)
        MembershipFactory(user=users[name], account=account, side=side, role=role)
    # The outsider manages a third account: a member somewhere, just not in either of these.
    MembershipFactory(
        user=users["outsider"], account=PartnerAccountFactory(name="Tarn Metals", slug="tarn"),
        role=Role.ACCOUNT_MANAGER,
    )
    # Someone works on the other account, so it has objects of its own.
    MembershipFactory(user=UserFactory(username="otto"), account=other_account, role=Role.ACCOUNT_MANAGER)
    return Cast(account=account, other_account=other_account, users=users)


def client_for(client, user):
    if user is not None:
        client.force_login(user)
    return client


def closed_port() -> int:
    """A local port nothing listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def redis_down(settings):
    """The cache, as deployed with REDIS_URL, at a Redis that is down."""
    settings.CACHES = {"default": {"BACKEND": "config.cache.DegradingRedisCache",
                                   "LOCATION": f"redis://127.0.0.1:{closed_port()}/2", "KEY_PREFIX": "tandem"}}


@pytest.fixture
def broker_down():
    """Tasks go to a Redis broker that is down instead of running in-process, until
    ``broker_down.end()``: then they run in-process again."""
    from config.celery_app import app

    before = app.conf.broker_url, app.conf.task_always_eager

    def use(broker_url, eager):
        app.conf.broker_url, app.conf.task_always_eager = broker_url, eager
        app._pool = app.amqp._producer_pool = None  # both are made for one broker

    use(f"redis://127.0.0.1:{closed_port()}/2", eager=False)
    yield SimpleNamespace(end=lambda: use(*before))
    use(*before)


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory):
    """One migrated SQLite file per run, which tests that start real processes copy."""
    from .processes import migrated_sqlite

    return migrated_sqlite(tmp_path_factory.mktemp("migrated"))


@pytest.fixture
def processes(tmp_path):
    """Real processes for one test (tests/processes.py); none outlives it."""
    from .processes import Processes

    started = Processes(tmp_path)
    yield started
    started.kill_all()


@pytest.fixture
def redis_server(processes):
    """A redis-server of the test's own, which it may stop and start (tests/processes.py);
    mark the test ``needs_redis_server``."""
    from .processes import redis_server_started

    return redis_server_started(processes)
