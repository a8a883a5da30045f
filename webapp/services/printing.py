"""What the paper forms print beyond the records themselves: totals the paper asks for and
the selections of customers the table forms list. Plain functions, no request."""

from __future__ import annotations

from decimal import Decimal

from ..models import ExportOrder


def claims_total(order: ExportOrder) -> dict[str, Decimal]:
    """赔(扣)款总金额: the order's claims and deductions summed per currency (claims in two
    currencies are two totals: they cannot be added without a rate nobody agreed on)."""
    totals: dict[str, Decimal] = {}
    for claim in order.claims:
        totals[claim.currency] = totals.get(claim.currency, Decimal("0")) + claim.amount
    return totals
