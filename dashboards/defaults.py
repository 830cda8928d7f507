"""The default template of fourteen metrics every new account starts with (DESIGN §3).

Whose figure counts depends on who supplies whom: ``owner`` says "supplier" or
"customer", and ``owner_side`` turns that into the home or partner firm for an account.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from accounts.models import PartnerAccount, Side

from .models import Category, Direction, Unit

B, S = Category.BASIC, Category.STRATEGIC
UP, DOWN = Direction.HIGHER, Direction.LOWER


@dataclass(frozen=True)
class MetricSpec:
    name: str
    category: str
    unit: str
    direction: str
    goal: str
    warning: str
    tolerance: str
    owner: str  # "supplier" or "customer"
    basis: str

    def owner_side(self, account: PartnerAccount) -> str:
        home_supplies = account.kind == PartnerAccount.Kind.CUSTOMER
        if self.owner == "supplier":
            return Side.HOME if home_supplies else Side.PARTNER
        return Side.PARTNER if home_supplies else Side.HOME

    def decimal(self, name: str) -> Decimal:
        return Decimal(getattr(self, name))


DEFAULT_METRICS = [
    MetricSpec("Defect rate", B, Unit.PPM, DOWN, "50", "100", "5", "customer",
               "Defective parts found at incoming inspection or in the line, per million parts received in the "
               "quarter. Returns for cosmetic reasons excluded."),
    MetricSpec("On-time delivery", B, Unit.PERCENT, UP, "98", "95", "0.5", "customer",
               "Order lines received complete within the agreed window (−1/+0 days of the confirmed date), as a "
               "share of all order lines due in the quarter."),
    MetricSpec("Order lead time", B, Unit.DAYS, DOWN, "10", "14", "0.5", "supplier",
               "Average calendar days from order receipt to shipment, over all orders shipped in the quarter."),
    MetricSpec("Support response time", B, Unit.HOURS, DOWN, "4", "8", "0.5", "supplier",
               "Median business hours from ticket creation to first qualified response, priority 1 and 2 tickets."),
    MetricSpec("Invoice accuracy", B, Unit.PERCENT, UP, "99", "97", "0.5", "customer",
               "Invoices paid without correction or credit note, as a share of invoices received in the quarter."),
    MetricSpec("Order fill rate", B, Unit.PERCENT, UP, "97", "94", "0.5", "supplier",
               "Units shipped with the first shipment, as a share of units ordered."),
    MetricSpec("Pipeline inventory", B, Unit.DAYS, DOWN, "20", "30", "1", "supplier",
               "Days of demand held in stock between both firms (supplier finished goods plus customer "
               "inbound stock), at quarter end, divided by average daily demand."),
    MetricSpec("Price vs market benchmark", B, Unit.PERCENT_CHANGE, DOWN, "0", "3", "0.5", "customer",
               "Weighted average price against the agreed market index for the basket; +2 means 2% above market."),
    MetricSpec("Joint cost savings realised", S, Unit.THOUSANDS, UP, "500", "250", "10", "supplier",
               "Savings from joint projects booked in the quarter, validated by both finance teams, in thousands."),
    MetricSpec("Active joint innovation projects", S, Unit.COUNT, UP, "4", "2", "0", "supplier",
               "Projects with a signed charter, a named owner in each firm and activity in the quarter."),
    MetricSpec("Revenue from jointly developed products", S, Unit.PERCENT, UP, "15", "10", "1", "supplier",
               "Revenue from products launched from joint projects in the last five years, as a share of the "
               "revenue between the firms."),
    MetricSpec("Product development cycle time", S, Unit.WEEKS, DOWN, "26", "34", "1", "supplier",
               "Median weeks from joint concept approval to first production shipment, projects closed in the "
               "last four quarters."),
    MetricSpec("Business volume growth", S, Unit.PERCENT_CHANGE, UP, "5", "2", "0.5", "customer",
               "Business volume between the firms in the quarter against the same quarter a year earlier."),
    MetricSpec("Sustainability audit compliance", S, Unit.PERCENT, UP, "95", "90", "1", "customer",
               "Audit checklist points met at the last sustainability audit, as a share of points audited."),
]
