"""The demo company's weekly inquiry reports: targets, past reports (one late, some
discussed with a comment) and this week's draft."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from ..extensions import db
from ..models import Membership, Tenant
from ..services.countries import country_name
from ..services.followups import company_zone
from ..services.reports import (
    add_comment,
    add_line,
    get_or_create,
    mark_discussed,
    open_report,
    prefill,
    set_target,
)
from ..services.weeks import is_late, week_start


def seed_reports(tenant: Tenant, memberships: list[Membership], today: date) -> None:
    """Targets for 张伟 and Lucy over the last four weeks, their past reports (one submitted
    late, one discussed with the manager's comment) and an open draft for this week. Uses only
    what exists; runs after the inquiry and sample demo data but does not need it."""
    manager, zhang, lucy = memberships[1], memberships[2], memberships[3]
    this_week = week_start(today)
    zone = company_zone(tenant)
    targets = {zhang.id: (12, 15, 15, 18), lucy.id: (10, 10, 12, 12)}

    def sunday_at(monday: date, hour: int, minute: int, days_after: int = 0) -> datetime:
        day = monday + timedelta(days=6 + days_after)
        return datetime(day.year, day.month, day.day, hour, minute, tzinfo=zone).astimezone(UTC)

    texts = {
        "overview": "询盘比上周多，主要来自阿里巴巴的投影仪和LED屏；报价已全部回复。",
        "sellers_text": "同行多在阿里巴巴做P4P直通车，价格压得很低。",
        "buyers_text": "中东客户喜欢先要样品再小批量试单。",
        "market_text": "欧洲需求平稳，南美汇率波动大，客户下单谨慎。",
        "strengths_text": "我们交期稳定、售后好；价格偏高，用质量和认证说服客户。",
        "success_text": "成功：迪拜客户确认试单。遗憾：一个德国客户被同行低价抢走。",
        "distance_text": "本月目标完成约六成，还差两个订单。",
    }
    comments = {
        1: "样品跟进很及时。下周重点跟迪拜客户的试单，把付款方式确认下来。",
        2: "德国客户的报价太慢了，下次当天回复。",
    }
    for weeks_back in range(4, 0, -1):
        monday = this_week - timedelta(weeks=weeks_back)
        for member in (zhang, lucy):
            report = get_or_create(member.id, monday)
            report.target_inquiries = targets[member.id][4 - weeks_back]
            report.target_set_by_id = manager.id
            if not prefill(tenant, report, "zh"):
                # nothing recorded that week: a line the salesperson typed by hand
                add_line(report, "prospect", {
                    "country": country_name("AE", "zh"),
                    "contact": "Gulf Vision Trading · Ahmed",
                    "expected_close": (monday + timedelta(weeks=3)).isoformat(),
                    "notes": "客户在比较价格，下周发新报价并约视频会议。",
                })  # fmt: skip
            for name, value in texts.items():
                setattr(report, name, value)
            if member is lucy and weeks_back == 2:
                report.submitted_at = sunday_at(monday, 22, 15)  # after 20:30: late
            else:
                report.submitted_at = sunday_at(monday, 19, 40)
            report.late = is_late(tenant, monday, report.submitted_at)
            db.session.flush()
            if member is zhang and weeks_back <= 2:
                add_comment(report, manager, comments[weeks_back])
            # the Monday meetings that have happened: 张伟's older weeks, Lucy's oldest two
            if (member is zhang and weeks_back >= 2) or weeks_back >= 3:
                mark_discussed(report, manager, sunday_at(monday, 9, 30, days_after=1))
    # the current week: targets set by the manager, a draft 张伟 has started, Lucy not yet
    for member in (zhang, lucy):
        set_target(member.id, this_week, targets[member.id][-1], manager)
    draft = open_report(tenant, zhang.id, this_week)
    draft.overview = "本周询盘不少，周五前把报价都发出去。"
    db.session.flush()
