"""Password rules, reset tokens, TOTP and recovery codes (services/accounts.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pyotp
import pytest

from webapp.extensions import db
from webapp.models import User
from webapp.services import accounts, lookups
from webapp.tenancy.context import acting_user

EN = {"Accept-Language": "en"}


@pytest.mark.parametrize(
    ("password", "expected"),
    [
        ("short pass", None),  # exactly 10 characters is enough
        ("too short", "at least 10"),
        ("x" * 201, "at most 200"),
        ("1234567890", "too common"),
        ("Password123", "too common"),
        ("woaini1314", "too common"),
        ("aaaaaaaaaaaa", "too common"),
        ("ababababab", "too common"),
        ("greta.gamma99", "email"),  # contains the email's local part
        ("greta.gamma@example.com", "email"),
        ("我们的茶叶出口到全世界", None),  # any script; no composition rules
        ("horse battery staple", None),
    ],
)
def test_password_rules(app, password, expected):
    with app.test_request_context(headers=EN):
        problem = accounts.password_problem(password, "Greta.Gamma@example.com")
    if expected is None:
        assert problem is None
    else:
        assert problem and expected in problem


def _user(app, email="li@example.com") -> int:
    with app.app_context():
        # the account's id reserved first: RLS accepts a new account only as that person
        user_id = lookups.add_account(User(email=email, name="Li", password_hash="x")).id
        db.session.commit()
        return user_id


def test_reset_token_is_single_use_and_expires(app):
    user_id = _user(app)
    now = datetime(2026, 11, 28, 10, 0, tzinfo=UTC)
    with app.app_context(), acting_user(user_id):
        user = db.session.get(User, user_id)
        secret = accounts.create_reset_token(user, now=now)
        db.session.commit()
        assert accounts.check_reset_token(secret, now=now).problem is None
        assert (
            accounts.check_reset_token(secret, now=now + timedelta(hours=23, minutes=59)).problem
            is None
        )
        assert (
            accounts.check_reset_token(secret, now=now + timedelta(hours=24)).problem == "expired"
        )
        assert accounts.check_reset_token("nope").problem == "unknown"
        assert accounts.check_reset_token("").problem == "unknown"
        # only the hash is stored
        token = accounts.check_reset_token(secret, now=now).token
        assert secret not in token.token_hash and len(token.token_hash) == 64
        epoch = user.session_epoch
        other = accounts.create_reset_token(user, now=now)
        accounts.use_reset_token(token, "a new long passphrase")
        db.session.commit()
        assert accounts.check_reset_token(secret, now=now).problem == "used"
        assert accounts.check_reset_token(other, now=now).problem == "used"  # all links closed
        assert user.session_epoch == epoch + 1  # every session ends


def test_totp_codes_work_once_and_tolerate_one_step_of_drift(app):
    user_id = _user(app)
    secret = pyotp.random_base32()
    now = datetime(2026, 11, 28, 10, 0, 10, tzinfo=UTC)
    code = pyotp.TOTP(secret).at(now)
    with app.app_context(), acting_user(user_id):
        user = db.session.get(User, user_id)
        assert accounts.confirm_totp(secret, code, now=now)
        assert not accounts.confirm_totp(
            secret, "000000" if code != "000000" else "111111", now=now
        )
        codes = accounts.enable_totp(user, secret)
        db.session.commit()
        assert len(codes) == 10 and len(set(codes)) == 10
        assert accounts.verify_second_factor(user, code, now=now)
        assert not accounts.verify_second_factor(user, code, now=now)  # replay refused
        later = now + timedelta(seconds=30)
        assert accounts.verify_second_factor(
            user, pyotp.TOTP(secret).at(later), now=later + timedelta(seconds=20)
        )
        too_old = pyotp.TOTP(secret).at(now - timedelta(minutes=5))
        assert not accounts.verify_second_factor(user, too_old, now=later + timedelta(seconds=60))


def test_recovery_codes_are_single_use_and_regenerated(app):
    user_id = _user(app)
    with app.app_context(), acting_user(user_id):
        user = db.session.get(User, user_id)
        codes = accounts.enable_totp(user, pyotp.random_base32())
        db.session.commit()
        assert accounts.recovery_codes_left(user) == 10
        assert accounts.verify_second_factor(user, codes[0].upper().replace("-", " "))
        assert not accounts.verify_second_factor(user, codes[0])
        assert accounts.recovery_codes_left(user) == 9
        fresh = accounts.regenerate_recovery_codes(user)
        assert not accounts.verify_second_factor(user, codes[1])  # old ones stop working
        assert accounts.verify_second_factor(user, fresh[1])
        accounts.disable_totp(user)
        db.session.commit()
        assert not user.has_totp and accounts.recovery_codes_left(user) == 0
        assert not accounts.verify_second_factor(user, fresh[2])


def test_qr_code_is_an_svg_without_styles(app):
    with app.app_context():
        svg = accounts.qr_svg(accounts.provisioning_uri(pyotp.random_base32(), "li@example.com"))
    assert svg.startswith("<svg") and "style=" not in svg and "<script" not in svg
