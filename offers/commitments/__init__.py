"""Token commitments: what offers have promised in AI token budgets, by department, model and
level, and what the same dollars buy at today's prices.

Committed means accepted offers; pending means approved or sent offers the candidate has not
answered yet, always shown apart. Every figure is in US dollars at the prices each offer was
valued (and approved) with: the figures stored on the offer and on each of its token models
whenever its terms change (`Offer.store_figures`), added up by the database, so the page makes
the same few queries for a hundred offers or ten thousand. A year is the offer's own working days.

What the figures do not know: whether people use their budgets (a budget is a ceiling, the
fully loaded cost is what it costs if every working day's budget is spent), when people leave,
and price changes nobody has announced.

The room: `totals` (who sees what, the filters, the sums by department, model, level and month,
the budget hint of the builder) and `views` (the page and its CSV exports).
"""

from __future__ import annotations

from offers.commitments.totals import (
    COMMITTED,
    PENDING,
    STATUS_CHOICES,
    Commitments,
    Filters,
    Month,
    Row,
    Spread,
    budget_hint,
    commitments,
    departments_in_scope,
    initials,
    month_starts,
    scope,
)

__all__ = [
    "COMMITTED",
    "PENDING",
    "STATUS_CHOICES",
    "Commitments",
    "Filters",
    "Month",
    "Row",
    "Spread",
    "budget_hint",
    "commitments",
    "departments_in_scope",
    "initials",
    "month_starts",
    "scope",
]
