"""A sheet's running log column ("3/11 send quotation; 3/10: reply RFQ") as dated entries.

Entries are split on ";" (either width) and new lines; each may start with a date written as
"3/11", "3-11", "3.11", "3月11日", "2024-03-11", "2024/3/11" or "2024年3月11日". A date without a
year takes the year the user chose, and is moved back one year if that puts it in the future
(a March log imported in January is last March's). Text without a date stays in the remarks.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

_SPLIT_RE = re.compile(r"[;；\n\r]+")
_FULL_RE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?")
_SHORT_RE = re.compile(r"^(\d{1,2})\s*(?:[/.\-]|月)\s*(\d{1,2})(?:\s*日|(?!\d))")
_AFTER_DATE_RE = re.compile(r"^[\s:：,，.、\-–—]+")

TOPIC_MAX = 200

# keywords that say how the customer was reached (跟进方式); anything else is "other"
_METHOD_WORDS = (
    ("email", ("email", "e-mail", "mail", "邮件", "邮箱", "发邮")),
    ("phone", ("call", "phone", "电话", "致电", "来电")),
    ("chat", ("whatsapp", "wechat", "skype", "微信", "聊天", "chat", "msn", "qq")),
    ("sms", ("sms", "短信")),
)


@dataclass(frozen=True)
class LogEntry:
    on_date: date
    text: str

    @property
    def topic(self) -> str:
        return self.text if len(self.text) <= TOPIC_MAX else self.text[: TOPIC_MAX - 1] + "…"

    @property
    def content(self) -> str | None:
        return self.text if len(self.text) > TOPIC_MAX else None

    @property
    def method(self) -> str:
        lowered = self.text.casefold()
        for method, words in _METHOD_WORDS:
            if any(w in lowered for w in words):
                return method
        return "other"


def _safe_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def parse_entry(text: str, year: int, today: date) -> LogEntry | None:
    """One entry with its date, or None when it does not start with a (valid) date."""
    full = _FULL_RE.match(text)
    if full:
        on = _safe_date(int(full.group(1)), int(full.group(2)), int(full.group(3)))
        if on is not None and on > today:
            # a follow-up cannot have happened yet (often a plan: "2027-05-01 visit"): the whole
            # text stays in the remarks instead of becoming a record dated in the future
            return None
        rest = text[full.end() :]
    else:
        short = _SHORT_RE.match(text)
        if not short:
            return None
        month, day = int(short.group(1)), int(short.group(2))
        on = _safe_date(year, month, day)
        if on is not None and on > today:
            on = _safe_date(year - 1, month, day)
        rest = text[short.end() :]
    if on is None:
        return None
    rest = _AFTER_DATE_RE.sub("", rest).strip()
    return LogEntry(on, rest or "—")


def parse_log(value: object, year: int, today: date) -> tuple[list[LogEntry], list[str]]:
    """(dated entries oldest first, undated pieces in their order)."""
    if value is None:
        return [], []
    if isinstance(value, datetime | date):  # a lone date typed into the log cell
        on = value.date() if isinstance(value, datetime) else value
        return [LogEntry(on, "—")], []
    entries: list[LogEntry] = []
    undated: list[str] = []
    for piece in _SPLIT_RE.split(str(value)):
        piece = piece.strip()
        if not piece:
            continue
        entry = parse_entry(piece, year, today)
        if entry is None:
            undated.append(piece)
        else:
            entries.append(entry)
    # stable: the same day keeps the sheet's order (sheets are often newest first: reverse them)
    entries.reverse()
    entries.sort(key=lambda e: e.on_date)
    return entries, undated
