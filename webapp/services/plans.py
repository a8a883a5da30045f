"""The call/visit plan vs. actual (客户跟踪计划表, DOMAIN.md §5): the rules.

A plan belongs to one salesperson (CallPlan.member_id) and covers 1–3 whole ISO weeks from a
Monday. Only the plan row is stored (a CallPlanCell per planned day: C call / X visit). The actual
row is computed here from the follow-up log every time it is shown, never typed:

- which follow-ups count: those of the plan's customers, dated inside the period, and followed up
  by the plan's salesperson (FollowUp.followed_by_id == plan.member_id). The plan is a person's
  promise; a colleague's call to the same customer does not keep it.
- calls are CALL_METHODS (phone, chat, SMS, email), visits VISIT_METHODS; "other" is neither.
- a call on a day planned C → CS (that C is kept). A call on another day → CN only when it
  fulfils a specific planned C of that customer that is not yet met, in the same ISO week as
  the call (the plan's week: a call never keeps a C of another week). Everything else is UC:
  a second call for a C already kept or already fulfilled, a call in a week with no C open.
  Same-day calls are matched first, so a call before the planned day counts as CN only when
  the planned day itself goes without a call. The other calls fulfil the week's open Cs in
  date order (the earliest call is the one that kept the promise). Visits: XS / XN / UX alike.
- a day holds at most one call code and one visit code (two calls on one day are one call: the
  paper has one cell per day), but a call and a visit on the same day give two codes.
- compliance = hits / planned: the planned cells that got a matching same-day actual (a C with
  a call, an X with a visit: exactly CS + XS) divided by all planned cells; None when nothing
  is planned. A visit on a C day does not keep a planned call.

Plain functions over models; the caller commits.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, case, exists, func, or_, select
from sqlalchemy.orm import joinedload, selectinload

from ..extensions import db
from ..models import Customer, FollowUp, Membership
from ..models.followup import CALL_METHODS, VISIT_METHODS
from ..models.plan import MAX_PLAN_ROWS, MAX_PLAN_WEEKS, CallPlan, CallPlanCell, CallPlanRow
from .roles import can
from .visibility import can_see
from .weeks import days_of, week_label, week_number, week_start

CALL, VISIT = "C", "X"
# the paper's legend, in its order; plan codes first, then the actual codes
PLAN_LEGEND = {
    CALL: _l("Plan to call"),
    VISIT: _l("Plan to visit"),
}
ACTUAL_LEGEND = {
    "CS": _l("Called on the planned day"),
    "CN": _l("Called on another day of the planned call's week"),
    "UC": _l("Unplanned call"),
    "XS": _l("Visited on the planned day"),
    "XN": _l("Visited on another day of the planned visit's week"),
    "UX": _l("Unplanned visit"),
}
ACTUAL_CODES = tuple(ACTUAL_LEGEND)
NEXT_CODE = {None: CALL, CALL: VISIT, VISIT: None}  # a click cycles none → C → X → none


class PlanError(ValueError):
    """A request the rules refuse; `message` is for the user (translated)."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


# --- the period -------------------------------------------------------------------------------


def period_end(plan: CallPlan) -> date:
    """The day after the plan's last day (exclusive end)."""
    return plan.start_on + timedelta(weeks=plan.weeks)


def plan_days(plan: CallPlan) -> list[date]:
    return days_of(plan.start_on, plan.weeks)


def period_label(plan: CallPlan) -> str:
    """'2026-W47 – 2026-W49' (or one week)."""
    last = plan.start_on + timedelta(weeks=plan.weeks - 1)
    first = week_label(plan.start_on)
    return first if plan.weeks == 1 else f"{first} – {week_label(last)}"


# --- who may do what --------------------------------------------------------------------------


def can_view(membership: Membership, plan: CallPlan) -> bool:
    """The salesperson sees their own plans; managers and the GM see the team's."""
    return (
        plan.member_id == membership.id
        or can(membership, "plans.team")
        or can(membership, "plans.view_team")
    )


def can_edit(membership: Membership, plan: CallPlan) -> bool:
    """The salesperson edits their own plans; plans.team roles anyone's (the GM only looks)."""
    return plan.member_id == membership.id or can(membership, "plans.team")


def can_plan_for_others(membership: Membership) -> bool:
    return can(membership, "plans.team")


# --- create and edit --------------------------------------------------------------------------


def overlapping_plan(member_id: int, start_on: date, weeks: int) -> CallPlan | None:
    """A plan of the same salesperson sharing at least one day with [start_on, +weeks)."""
    end = start_on + timedelta(weeks=weeks)
    # a plan is at most MAX_PLAN_WEEKS long, so only plans starting in this window can overlap
    candidates = db.session.scalars(
        select(CallPlan)
        .where(
            CallPlan.member_id == member_id,
            CallPlan.start_on > start_on - timedelta(weeks=MAX_PLAN_WEEKS),
            CallPlan.start_on < end,
        )
        .order_by(CallPlan.start_on)
    )
    for plan in candidates:
        if plan.start_on < end and start_on < period_end(plan):
            return plan
    return None


def create_plan(
    member_id: int, start_on: date, weeks: int, goal: str | None, created_by_id: int
) -> CallPlan:
    """A new plan starting on the Monday of `start_on`'s ISO week; refuses overlaps."""
    if not 1 <= weeks <= MAX_PLAN_WEEKS:
        raise PlanError(_("A plan covers 1 to 3 weeks."), "weeks")
    start_on = week_start(start_on)
    clash = overlapping_plan(member_id, start_on, weeks)
    if clash is not None:
        raise PlanError(
            _(
                "This salesperson already has a plan for %(period)s, which overlaps these weeks."
                " Open that plan or choose other weeks.",
                period=period_label(clash),
            ),
            "week",
        )
    plan = CallPlan(
        member_id=member_id,
        start_on=start_on,
        weeks=weeks,
        goal=(goal or "").strip() or None,
        created_by_id=created_by_id,
    )
    db.session.add(plan)
    db.session.flush()
    return plan


def add_row(
    plan: CallPlan,
    customer_id: int,
    turnover_current: Decimal | None = None,
    turnover_previous: Decimal | None = None,
    target: str | None = None,
    viewer: Membership | None = None,
) -> CallPlanRow:
    """Put a customer on the plan (rows 1) … 20)); a customer appears once. With `viewer`,
    only a customer they may see (services/visibility.py): the picker lists only those."""
    rows = list(plan.rows)
    if len(rows) >= MAX_PLAN_ROWS:
        raise PlanError(
            _("A plan holds at most %(n)s customers. Remove one first.", n=MAX_PLAN_ROWS),
            "customer_id",
        )
    if any(r.customer_id == customer_id for r in rows):
        raise PlanError(_("This customer is already on the plan."), "customer_id")
    customer = db.session.scalar(select(Customer).where(Customer.id == customer_id))
    if customer is None or (viewer is not None and not can_see(viewer, customer)):
        raise PlanError(_("Choose a customer of the company."), "customer_id")
    row = CallPlanRow(
        customer_id=customer_id,
        position=max((r.position for r in rows), default=0) + 1,
        turnover_current=turnover_current,
        turnover_previous=turnover_previous,
        target=(target or "").strip() or None,
    )
    plan.rows.append(row)
    db.session.flush()
    return row


def update_row(
    row: CallPlanRow,
    turnover_current: Decimal | None,
    turnover_previous: Decimal | None,
    target: str | None,
) -> None:
    row.turnover_current = turnover_current
    row.turnover_previous = turnover_previous
    row.target = (target or "").strip() or None


def remove_row(plan: CallPlan, row: CallPlanRow) -> None:
    """Take a customer off the plan with its planned cells; the rows below move up."""
    plan.rows.remove(row)  # delete-orphan deletes the row, the cells cascade
    db.session.flush()
    for position, remaining in enumerate(plan.rows, start=1):
        remaining.position = position


def cycle_cell(row: CallPlanRow, day: date, seen: str | None = None) -> str | None:
    """One click on a Plan cell: none → C → X → none. Returns the new code.

    `seen` is the code the user saw when clicking; when someone else changed the cell
    meanwhile, nothing is changed (PlanError) so two clicks never skip a step silently.
    """
    plan = row.plan
    if not plan.start_on <= day < period_end(plan):
        raise PlanError(_("This day is outside the plan's weeks."))
    cell = db.session.scalar(
        select(CallPlanCell).where(CallPlanCell.row_id == row.id, CallPlanCell.on_date == day)
    )
    current = cell.code if cell else None
    if seen is not None and (seen or None) != current:
        raise PlanError(_("Someone else changed this cell meanwhile: here is the plan now."))
    new = NEXT_CODE[current]
    if cell is None:
        db.session.add(CallPlanCell(row_id=row.id, on_date=day, code=new))
    elif new is None:
        db.session.delete(cell)
    else:
        cell.code = new
    db.session.flush()
    return new


# --- the actual row ---------------------------------------------------------------------------


def kind_of(method: str) -> str | None:
    """'C' for a call, 'X' for a visit, None for a follow-up that is neither ("other")."""
    if method in CALL_METHODS:
        return CALL
    if method in VISIT_METHODS:
        return VISIT
    return None


def actual_codes(planned: dict[date, str], events: list[tuple[date, str]]) -> dict[date, list[str]]:
    """The actual row of one customer: `planned` maps day → C/X, `events` are (day, method)
    of the salesperson's follow-ups of that customer inside the period.

    Returns day → codes, calls before visits, each at most once a day. The rule (module
    docstring): S on the planned day; N only for a call/visit that fulfils a planned one of
    its own ISO week not met yet; U for every other one."""
    days_done: dict[str, set[date]] = {CALL: set(), VISIT: set()}
    for day, method in events:
        kind = kind_of(method)
        if kind is not None:
            days_done[kind].add(day)  # one cell per day: two calls on a day are one call
    result: dict[date, list[str]] = {}
    for kind in (CALL, VISIT):  # calls first, so a day lists its call code before its visit code
        done = days_done[kind]
        # per week, the planned days of this kind not kept on the day: what other days can fulfil
        open_in_week = Counter(
            week_start(day) for day, code in planned.items() if code == kind and day not in done
        )
        for day in sorted(done):
            if planned.get(day) == kind:
                code = kind + "S"
            elif open_in_week[week_start(day)]:
                open_in_week[week_start(day)] -= 1
                code = kind + "N"
            else:
                code = "U" + kind
            result.setdefault(day, []).append(code)
    return result


class _Counts:
    """What a row and the whole grid say of their `totals` (a Counter per code)."""

    totals: Counter

    @property
    def planned(self) -> int:
        return self.totals[CALL] + self.totals[VISIT]

    @property
    def hits(self) -> int:
        return self.totals["CS"] + self.totals["XS"]

    @property
    def actual_count(self) -> int:
        return sum(self.totals[code] for code in ACTUAL_CODES)


@dataclass
class GridRow(_Counts):
    row: CallPlanRow
    plan: dict[date, str]
    actual: dict[date, list[str]]
    totals: Counter = field(default_factory=Counter)  # per code: C, X, CS, CN, UC, XS, XN, UX


@dataclass
class Grid(_Counts):
    plan: CallPlan
    days: list[date]
    weeks: list[tuple[int, list[date]]]  # (wk47, its days)
    rows: list[GridRow]
    day_totals: dict[date, Counter]
    totals: Counter

    @property
    def compliance(self) -> float | None:
        return compliance(self.hits, self.planned)


def compliance(hits: int, planned: int) -> float | None:
    """Share of planned cells kept on the day (0..1); None when nothing was planned."""
    return hits / planned if planned else None


def load_plan(plan_id: int) -> CallPlan | None:
    """The plan with its salesperson (one query)."""
    return db.session.scalar(
        select(CallPlan).where(CallPlan.id == plan_id).options(joinedload(CallPlan.member))
    )


def grid(plan: CallPlan) -> Grid:
    """The whole plan vs. actual table in three queries whatever its size: rows with their
    customers, the planned cells, and the follow-ups of the period."""
    rows = list(
        db.session.scalars(
            select(CallPlanRow)
            .where(CallPlanRow.plan_id == plan.id)
            .options(joinedload(CallPlanRow.customer))
            .order_by(CallPlanRow.position)
        )
    )
    row_ids = [r.id for r in rows]
    customer_ids = [r.customer_id for r in rows]
    cells: dict[int, dict[date, str]] = {r.id: {} for r in rows}
    events: dict[int, list[tuple[date, str]]] = {c: [] for c in customer_ids}
    if rows:
        for row_id, on_date, code in db.session.execute(
            select(CallPlanCell.row_id, CallPlanCell.on_date, CallPlanCell.code).where(
                CallPlanCell.row_id.in_(row_ids)
            )
        ):
            cells[row_id][on_date] = code
        for customer_id, on_date, method in db.session.execute(
            select(FollowUp.customer_id, FollowUp.on_date, FollowUp.method).where(
                FollowUp.customer_id.in_(customer_ids),
                FollowUp.followed_by_id == plan.member_id,
                FollowUp.on_date >= plan.start_on,
                FollowUp.on_date < period_end(plan),
            )
        ):
            events[customer_id].append((on_date, method))
    days = plan_days(plan)
    day_totals: dict[date, Counter] = {d: Counter() for d in days}
    totals: Counter = Counter()
    grid_rows = []
    for row in rows:
        planned = {d: c for d, c in cells[row.id].items() if d in day_totals}
        actual = actual_codes(planned, events[row.customer_id])
        line = GridRow(row=row, plan=planned, actual=actual)
        for day, code in planned.items():
            line.totals[code] += 1
            day_totals[day][code] += 1
        for day, codes in actual.items():
            for code in codes:
                line.totals[code] += 1
                day_totals[day][code] += 1
        totals.update(line.totals)
        grid_rows.append(line)
    weeks = [(week_number(days[i]), days[i : i + 7]) for i in range(0, len(days), 7)]
    return Grid(plan, days, weeks, grid_rows, day_totals, totals)


# --- for the dashboard ------------------------------------------------------------------------


def compliance_by_week(
    weeks: list[date], member_ids: list[int] | None = None
) -> dict[date, tuple[int, int]]:
    """For each Monday in `weeks`: (hits, planned) over every plan's cells of that week, the
    same rule as the grid (a C kept by a same-day call of the plan's salesperson to that
    customer, an X by a visit). One query, whatever the number of plans.

    `member_ids` limits it to those salespeople's plans (None: the whole team)."""
    result = dict.fromkeys(weeks, (0, 0))
    if not weeks:
        return result
    first = min(weeks)
    end = max(weeks) + timedelta(weeks=1)
    kept = exists().where(
        FollowUp.tenant_id == CallPlanCell.tenant_id,
        FollowUp.customer_id == CallPlanRow.customer_id,
        FollowUp.followed_by_id == CallPlan.member_id,
        FollowUp.on_date == CallPlanCell.on_date,
        (
            and_(CallPlanCell.code == CALL, FollowUp.method.in_(CALL_METHODS))
            | and_(CallPlanCell.code == VISIT, FollowUp.method.in_(VISIT_METHODS))
        ),
    )
    stmt = (
        select(CallPlanCell.on_date, func.count(), func.sum(_as_int(kept)))
        .join(
            CallPlanRow,
            and_(
                CallPlanRow.tenant_id == CallPlanCell.tenant_id,
                CallPlanRow.id == CallPlanCell.row_id,
            ),
        )
        .join(
            CallPlan,
            and_(CallPlan.tenant_id == CallPlanRow.tenant_id, CallPlan.id == CallPlanRow.plan_id),
        )
        .where(CallPlanCell.on_date >= first, CallPlanCell.on_date < end)
        .group_by(CallPlanCell.on_date)
    )
    if member_ids is not None:
        stmt = stmt.where(CallPlan.member_id.in_(member_ids or [-1]))
    sums: dict[date, list[int]] = {}
    for on_date, planned, hits in db.session.execute(stmt):
        monday = week_start(on_date)
        if monday in result:
            total = sums.setdefault(monday, [0, 0])
            total[0] += int(hits or 0)
            total[1] += int(planned)
    for monday, (hits, planned) in sums.items():
        result[monday] = (hits, planned)
    return result


def _as_int(condition):
    return case((condition, 1), else_=0)


# --- lists ------------------------------------------------------------------------------------


def plans_query(viewer: Membership, member_id: int | None = None, week: date | None = None):
    """The plans `viewer` may see, newest first: their own, or the team's for managers/GM."""
    stmt = select(CallPlan).options(
        joinedload(CallPlan.member), selectinload(CallPlan.rows).selectinload(CallPlanRow.cells)
    )
    if not (can(viewer, "plans.team") or can(viewer, "plans.view_team")):
        stmt = stmt.where(CallPlan.member_id == viewer.id)
    elif member_id:
        stmt = stmt.where(CallPlan.member_id == member_id)
    if week is not None:
        # plans covering that week: started n weeks before it and lasting more than n weeks
        # (spelt out per n: date arithmetic differs between SQLite and PostgreSQL)
        stmt = stmt.where(
            or_(
                *(
                    and_(CallPlan.start_on == week - timedelta(weeks=n), CallPlan.weeks > n)
                    for n in range(MAX_PLAN_WEEKS)
                )
            )
        )
    return stmt.order_by(CallPlan.start_on.desc(), CallPlan.id.desc())


def covers(plan: CallPlan, monday: date) -> bool:
    return plan.start_on <= monday < period_end(plan)
