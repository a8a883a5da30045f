"""services/merging.py: the three-way merge behind every edit form's conflict screen."""

from datetime import date
from decimal import Decimal

import pytest

from webapp.services.merging import (
    canonical,
    decode_base,
    encode_base,
    fingerprint,
    three_way,
)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        (None, ""),
        ("  text ", "text"),
        (Decimal("12.50"), Decimal("12.5")),
        (Decimal("10000.00"), Decimal("1E+4")),
        (["b", "a"], ["a", "b"]),
        (True, "1"),
    ],
)
def test_one_text_per_meaning(a, b):
    assert canonical(a) == canonical(b)
    assert fingerprint(a) == fingerprint(b)


def test_different_values_differ():
    assert fingerprint(date(2026, 12, 7)) != fingerprint(date(2026, 12, 8))
    assert fingerprint(Decimal("1")) != fingerprint(Decimal("10"))
    assert fingerprint(False) != fingerprint(None)


def test_base_round_trip_and_garbage():
    base = encode_base({"name": "Acme", "grade": "A"})
    assert decode_base(base) == {"name": fingerprint("Acme"), "grade": fingerprint("A")}
    for garbage in (None, "", "not json", "[1, 2]", '{"a": 1}'):
        assert decode_base(garbage) == {}


def test_each_field_decided_on_its_own():
    base = decode_base(encode_base({"a": "1", "b": "1", "c": "1", "d": "1", "e": "1"}))
    mine = {"a": "1", "b": "mine", "c": "mine", "d": "same", "e": "1"}
    theirs = {"a": "theirs", "b": "1", "c": "theirs", "d": "same", "e": "1"}
    merge = three_way(base, mine, theirs)
    assert merge.theirs_taken == ["a"]  # only they changed it
    assert merge.mine_kept == ["b"]  # only I did
    assert merge.clashes == ["c"]  # both, differently
    # d: both to the same value, e: neither — nothing to decide


def test_without_a_base_every_difference_is_a_clash():
    merge = three_way({}, {"a": "mine", "b": "x"}, {"a": "theirs", "b": "x"})
    assert (merge.theirs_taken, merge.mine_kept, merge.clashes) == ([], [], ["a"])
