"""Rate limits that fit offices (issue 22). An office shares one public address: the sixth
teammate accepting an invitation within a minute got "too many attempts". Joining and signing
up are limited per invitation or per account, with a per-address ceiling an office meeting
fits under; login still stops guessing, and no longer counts the people who get in."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask

from tests.conftest import PASSWORD
from tests.factories import add_member, make_invitation
from webapp import create_app
from webapp.config import TestConfig
from webapp.extensions import db, limiter

OFFICE = {"REMOTE_ADDR": "198.51.100.20"}


@contextmanager
def limited_app(database_url: str, **limits: str) -> Iterator[Flask]:
    """An app of its own with the limiter on (the limiter is one object per process: put back
    as it was afterwards, as in tests/web/test_auth.py)."""
    saved = dict(limiter.__dict__)
    config = type("LimitedConfig", (TestConfig,), {
        "SQLALCHEMY_DATABASE_URI": database_url, "RATELIMIT_ENABLED": True,
        "RATELIMIT_STORAGE_URI": "memory://",
        "RATELIMIT_KEY_PREFIX": f"tradefollow-test-{uuid.uuid4().hex}", **limits,
    })  # fmt: skip
    limited = create_app(config)
    limiter.reset()
    try:
        yield limited
    finally:
        with limited.app_context():
            db.session.remove()
            db.engine.dispose()
        limiter.__dict__.clear()
        limiter.__dict__.update(saved)


def _join(limited: Flask, slug: str, secret: str, password: str = PASSWORD) -> int:
    visitor = limited.test_client()
    return visitor.post(
        f"/join/{slug}/{secret}",
        data={"name": "Teammate", "password": password, "confirm": password},
        environ_base=OFFICE,
    ).status_code


def test_a_whole_office_joins_in_one_meeting(app, database_url, company_a):
    secrets = [make_invitation(app, company_a, f"mate{i}@example.com")[1] for i in range(8)]
    with limited_app(database_url, SIGNUP_RATE_LIMIT="5 per minute",
                     OFFICE_RATE_LIMIT="50 per minute") as limited:  # fmt: skip
        answers = [_join(limited, company_a.slug, secret) for secret in secrets]
    assert answers == [302] * 8


def test_one_invitation_hammered_is_still_limited(app, database_url, company_a):
    _id, secret = make_invitation(app, company_a, "hammer@example.com")
    with limited_app(database_url, SIGNUP_RATE_LIMIT="3 per minute",
                     OFFICE_RATE_LIMIT="50 per minute") as limited:  # fmt: skip
        answers = [_join(limited, company_a.slug, secret, password="short") for _ in range(4)]
    assert answers == [422, 422, 422, 429]


def test_the_address_has_a_ceiling(app, database_url, company_a):
    secrets = [make_invitation(app, company_a, f"flood{i}@example.com")[1] for i in range(4)]
    with limited_app(database_url, SIGNUP_RATE_LIMIT="5 per minute",
                     OFFICE_RATE_LIMIT="3 per minute") as limited:  # fmt: skip
        answers = [_join(limited, company_a.slug, secret) for secret in secrets]
    assert answers == [302, 302, 302, 429]


def _signup(limited: Flask, n: int) -> int:
    return limited.test_client().post(
        "/signup",
        data={"company_name": f"Office Co {n}", "slug": f"office-co-{n}", "home_country": "CN",
              "default_locale": "en", "owner_name": f"Founder {n}",
              "email": f"founder{n}@example.com", "password": PASSWORD, "confirm": PASSWORD},
        environ_base=OFFICE,
    ).status_code  # fmt: skip


def test_colleagues_sign_up_from_one_address(database_url):
    with limited_app(database_url, SIGNUP_RATE_LIMIT="2 per minute",
                     OFFICE_RATE_LIMIT="50 per minute") as limited:  # fmt: skip
        answers = [_signup(limited, n) for n in range(4)]
    assert answers == [302] * 4


def test_people_who_log_in_are_not_counted_as_guesses(app, database_url, company_a):
    emails = [f"staff{i}@example.com" for i in range(5)]
    for email in emails:
        add_member(app, company_a, email, {"sales"})
    with limited_app(database_url, LOGIN_RATE_LIMIT="3 per minute") as limited:
        ok = [
            limited.test_client()
            .post("/login", data={"email": email, "password": PASSWORD}, environ_base=OFFICE)
            .status_code
            for email in emails
        ]
        guesses = [
            limited.test_client()
            .post("/login", data={"email": emails[0], "password": "wrong one"}, environ_base=OFFICE)
            .status_code
            for _ in range(4)
        ]
    assert ok == [302] * 5
    assert guesses == [422, 422, 422, 429]  # brute-force protection stays
