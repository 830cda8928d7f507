"""The demo's people and partner accounts. Idempotent: running it again changes
nothing that is already there."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction

from . import services
from .models import LevelChange, Membership, PartnerAccount, RelationshipLevel, Side, User

DEMO_PASSWORD = "tandem-demo"
L = RelationshipLevel
R = Membership.Role
HOME, PARTNER = Side.HOME, Side.PARTNER


@dataclass(frozen=True)
class DemoUser:
    username: str
    first_name: str
    last_name: str
    title: str
    global_role: str = User.GlobalRole.MEMBER
    description: str = ""


DEMO_USERS = [
    DemoUser("admin", "Alex", "Admin", "Systems administrator", User.GlobalRole.ADMINISTRATOR,
             "administrator: everything, including users, accounts and memberships"),
    DemoUser("paula", "Paula", "Price", "Head of Procurement", User.GlobalRole.PORTFOLIO_VIEWER,
             "procurement, portfolio viewer: reads every account, edits nothing"),
    DemoUser("ada", "Ada", "Lindqvist", "Key Account Director", description="account manager of five accounts"),
    DemoUser("carl", "Carl", "Okafor", "Chief Operating Officer",
             description="home executive champion at three accounts"),
    DemoUser("pat", "Pat", "Moreau", "VP Customer Success, Helix Components",
             description="partner user and partner champion at Helix Components only"),
    DemoUser("ben", "Ben", "Achterberg", "Strategic Account Manager", description="account manager of seven accounts"),
    DemoUser("cora", "Cora", "Niemi", "Quality Engineer", description="contributor at Helix Components"),
    DemoUser("lena", "Lena", "Fischer", "SVP Merchandising, Northwind Retail Group",
             description="partner champion at Northwind Retail Group"),
    DemoUser("omar", "Omar", "Haddad", "COO, Corvane Logistics", description="partner champion at Corvane Logistics"),
    DemoUser("dana", "Dana", "Whitfield", "Chief Procurement Officer",
             description="home executive champion at Corvane Logistics"),
]

# slug, name, kind, level, target, industry, region, annual value (EUR), description, pillars
DEMO_ACCOUNTS = [
    ("northwind-retail", "Northwind Retail Group", "customer", L.STRATEGIC, L.STRATEGIC, "Retail", "Northern Europe",
     "48000000", "Our largest retail customer; joint category management since 2019.",
     "Shelf availability above 98%\nJoint private-label development\nShared demand forecasting"),
    ("meridian-health", "Meridian Health Systems", "customer", L.STRATEGIC, L.STRATEGIC, "Healthcare", "DACH",
     "31000000", "Hospital group buying our sterile supplies under a five-year framework.",
     "Zero-defect deliveries\nCo-developed kits for day surgery"),
    ("alder-finch", "Alder & Finch Outdoor", "customer", L.STRONG_PREFERRED, L.STRATEGIC, "Consumer goods",
     "UK & Ireland", "12500000", "Fast-growing outdoor brand; candidate for strategic partnership.",
     "Seasonal planning\nSustainable materials"),
    ("solace-hotels", "Solace Hotels", "customer", L.PREFERRED, L.STRONG_PREFERRED, "Hospitality", "Southern Europe",
     "6200000", "Hotel chain; amenity and linen supply.", ""),
    ("baltic-rail", "Baltic Rail Services", "customer", L.TRANSACTIONAL, L.PREFERRED, "Transport", "Baltics",
     "2100000", "Maintenance consumables, tender-driven.", ""),
    ("quayside-foods", "Quayside Foods", "customer", L.STRONG_PREFERRED, L.STRONG_PREFERRED, "Food & beverage",
     "Benelux", "9800000", "Packaged food producer; steady volumes.", "Packaging cost down 5% a year"),
    ("helix-components", "Helix Components", "supplier", L.STRATEGIC, L.STRATEGIC, "Electronics", "Nordics",
     "27000000", "Sole source for our control boards; joint innovation programme.",
     "Next-generation controller\nDual-site resilience\nCarbon-neutral logistics by 2028"),
    ("corvane-logistics", "Corvane Logistics", "supplier", L.STRATEGIC, L.STRATEGIC, "Logistics", "Europe",
     "18500000", "Contract logistics for all European distribution centres.", "Network redesign\nEV fleet transition"),
    ("brightwater-polymers", "Brightwater Polymers", "supplier", L.STRONG_PREFERRED, L.STRATEGIC, "Chemicals",
     "Germany", "14200000", "Resin supplier moving towards a strategic partnership.", "Recycled-content resins"),
    ("veridian-packaging", "Veridian Packaging", "supplier", L.PREFERRED, L.STRONG_PREFERRED, "Packaging", "France",
     "5400000", "Corrugated and molded fibre packaging.", ""),
    ("kestrel-software", "Kestrel Software", "supplier", L.PREFERRED, L.PREFERRED, "Software", "UK",
     "1900000", "Planning software and support.", ""),
    ("tarn-metals", "Tarn Metals", "supplier", L.TRANSACTIONAL, L.TRANSACTIONAL, "Metals", "Spain",
     "3300000", "Spot purchases of aluminium profiles.", ""),
]

# username, account slug, side, role
DEMO_MEMBERSHIPS = [
    ("ada", "northwind-retail", HOME, R.ACCOUNT_MANAGER),
    ("ada", "helix-components", HOME, R.ACCOUNT_MANAGER),
    ("ada", "corvane-logistics", HOME, R.ACCOUNT_MANAGER),
    ("ada", "alder-finch", HOME, R.ACCOUNT_MANAGER),
    ("ada", "brightwater-polymers", HOME, R.ACCOUNT_MANAGER),
    ("ben", "meridian-health", HOME, R.ACCOUNT_MANAGER),
    ("ben", "solace-hotels", HOME, R.ACCOUNT_MANAGER),
    ("ben", "baltic-rail", HOME, R.ACCOUNT_MANAGER),
    ("ben", "quayside-foods", HOME, R.ACCOUNT_MANAGER),
    ("ben", "veridian-packaging", HOME, R.ACCOUNT_MANAGER),
    ("ben", "kestrel-software", HOME, R.ACCOUNT_MANAGER),
    ("ben", "tarn-metals", HOME, R.ACCOUNT_MANAGER),
    ("carl", "northwind-retail", HOME, R.EXECUTIVE_CHAMPION),
    ("carl", "helix-components", HOME, R.EXECUTIVE_CHAMPION),
    ("carl", "meridian-health", HOME, R.EXECUTIVE_CHAMPION),
    ("carl", "corvane-logistics", HOME, R.VIEWER),
    ("cora", "helix-components", HOME, R.CONTRIBUTOR),
    ("pat", "helix-components", PARTNER, R.EXECUTIVE_CHAMPION),
    ("lena", "northwind-retail", PARTNER, R.EXECUTIVE_CHAMPION),
    ("omar", "corvane-logistics", PARTNER, R.EXECUTIVE_CHAMPION),
    ("dana", "corvane-logistics", HOME, R.EXECUTIVE_CHAMPION),
]


def _ensure_user(spec: DemoUser) -> User:
    user, _ = User.objects.get_or_create(username=spec.username)
    user.first_name, user.last_name, user.title = spec.first_name, spec.last_name, spec.title
    user.email = f"{spec.username}@example.com"
    user.global_role = spec.global_role
    user.is_staff = user.is_superuser = spec.global_role == User.GlobalRole.ADMINISTRATOR
    user.is_active = True
    user.set_password(DEMO_PASSWORD)
    user.save()
    return user


STEP_NOTES = ["Joint business plan signed", "Promoted after a year of green dashboards"]


def _backdate_level_history(account: PartnerAccount, admin: User) -> None:
    """The demo relationships climbed to where they are over the past years."""
    start = max(RelationshipLevel.TRANSACTIONAL, account.level - 2)
    today = account.created_at.date()
    first_day = today - dt.timedelta(days=3 * 365)
    account.level_changes.update(level=start, effective_on=first_day)
    for step, level in enumerate(range(start + 1, account.level + 1)):
        LevelChange.objects.create(
            account=account, level=level, target_level=account.target_level,
            previous_level=level - 1, previous_target_level=account.target_level,
            effective_on=first_day + dt.timedelta(days=400 * (step + 1)), note=STEP_NOTES[step], changed_by=admin,
        )


@transaction.atomic
def seed_accounts() -> dict[str, PartnerAccount]:
    """Create the demo users, accounts and memberships; return the accounts by slug."""
    users = {spec.username: _ensure_user(spec) for spec in DEMO_USERS}
    admin = users["admin"]
    accounts = {}
    for slug, name, kind, level, target, industry, region, value, description, pillars in DEMO_ACCOUNTS:
        account = PartnerAccount.objects.filter(slug=slug).first()
        if account is None:
            account = services.account_create(
                by=admin, slug=slug, name=name, kind=kind, level=level, target_level=target,
                industry=industry, region=region, annual_value=Decimal(value), currency="EUR",
                description=description, strategy_pillars=pillars,
            )
            _backdate_level_history(account, admin)
        accounts[slug] = account
    for username, slug, side, role in DEMO_MEMBERSHIPS:
        if not Membership.objects.filter(user=users[username], account=accounts[slug]).exists():
            services.membership_save(
                membership=Membership(user=users[username], account=accounts[slug], side=side, role=role), by=admin
            )
    return accounts
