"""Three-way merge of a form saved over a record someone else changed meanwhile.

An edit form carries the record's version and a fingerprint of each value it was opened with
(its "base"). When the version no longer matches, each field is decided on its own:
- only the other person changed it: their value is taken;
- only this person changed it: theirs is kept out, this person's value stays;
- both changed it to different values: a clash, shown side by side for the person to choose.
Fingerprints, not the values themselves, travel with the form: comparing is all they are for,
and a form of long texts would otherwise carry every text twice."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal


def canonical(value: object) -> str:
    """One text per meaning: '' and None alike, 12.50 and 12.5 alike, a set in any order."""
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, Decimal):
        return format(value.normalize(), "f") if value.is_finite() else str(value)
    if isinstance(value, date | datetime):
        return value.isoformat()
    if isinstance(value, list | tuple | set | frozenset):
        return "\x1f".join(sorted(canonical(v) for v in value))
    if isinstance(value, str):
        return value.strip()
    return str(value)


def fingerprint(value: object) -> str:
    return hashlib.sha256(canonical(value).encode()).hexdigest()[:16]


def encode_base(values: dict[str, object]) -> str:
    """The base a form carries: {field: fingerprint} as compact JSON."""
    return json.dumps({k: fingerprint(v) for k, v in values.items()}, separators=(",", ":"))


def decode_base(text: str | None) -> dict[str, str]:
    """The fingerprints a form came back with; {} for none or garbage (then every field that
    differs is a clash: without knowing what the person saw, nothing is decided for them)."""
    try:
        data = json.loads(text or "{}")
    except ValueError:
        return {}
    if not isinstance(data, dict):
        return {}
    return {k: v for k, v in data.items() if isinstance(k, str) and isinstance(v, str)}


@dataclass
class Merge:
    theirs_taken: list[str] = field(default_factory=list)  # only they changed: their value
    mine_kept: list[str] = field(default_factory=list)  # only this person changed it
    clashes: list[str] = field(default_factory=list)  # both, differently: the person chooses


def three_way(base: dict[str, str], mine: dict[str, object], theirs: dict[str, object]) -> Merge:
    """Decide each field of `mine` against `theirs` (the record now) and `base` (fingerprints
    of what the form was opened with). A field missing from `base` counts as changed by both."""
    merge = Merge()
    for name, my_value in mine.items():
        their_value = theirs.get(name)
        if canonical(my_value) == canonical(their_value):
            continue
        seen = base.get(name)
        mine_changed = seen is None or fingerprint(my_value) != seen
        theirs_changed = seen is None or fingerprint(their_value) != seen
        if not mine_changed:
            merge.theirs_taken.append(name)
        elif not theirs_changed:
            merge.mine_kept.append(name)
        else:
            merge.clashes.append(name)
    return merge
