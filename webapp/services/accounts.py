"""A person's login security: password rules, password reset links, two-factor login (TOTP)
with recovery codes, and "log out everywhere". Plain functions; the caller commits."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path

import pyotp
from flask_babel import gettext as _
from sqlalchemy import select, update

from ..extensions import db
from ..models import PasswordResetToken, RecoveryCode, User
from . import lookups
from .passwords import hash_password

MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 200
RESET_VALID = timedelta(hours=24)
RECOVERY_CODE_COUNT = 10
ISSUER = "TradeFollow"
_COMMON = Path(__file__).resolve().parent.parent / "data" / "common_passwords.txt"


# --- password rules (NIST SP 800-63B: length and a blocklist, no composition rules) -----------


@cache
def _common_passwords() -> frozenset[str]:
    lines = _COMMON.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip().lower() for line in lines if line and not line.startswith("#"))


def password_problem(password: str, email: str | None = None) -> str | None:
    """Why a new password is refused (translated), or None when it is acceptable."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return _("Use at least %(n)d characters.", n=MIN_PASSWORD_LENGTH)
    if len(password) > MAX_PASSWORD_LENGTH:
        return _("Use at most %(n)d characters.", n=MAX_PASSWORD_LENGTH)
    folded = password.strip().lower()
    if folded in _common_passwords() or len(set(folded)) <= 2:
        return _("This password is too common. Choose a longer phrase only you would use.")
    if email:
        local = email.strip().lower().split("@")[0]
        if folded in (email.strip().lower(), local) or (len(local) >= 4 and local in folded):
            return _("The password must not contain your email address.")
    return None


def set_password(user: User, password: str) -> None:
    """A new password ends every other session and every open reset link."""
    user.password_hash = hash_password(password)
    end_all_sessions(user)
    end_reset_links(user.id)


def end_reset_links(user_id: int) -> None:
    """Spend every open reset link of the person. Also called when their memberships change
    (joined, left, roles): an administrator's reason to hand them a link may be gone, and a
    person in several companies must reset their password themselves (team.reset_refusal)."""
    db.session.execute(
        update(PasswordResetToken)
        .where(PasswordResetToken.user_id == user_id, PasswordResetToken.used_at.is_(None))
        .values(used_at=datetime.now(UTC))
        .execution_options(synchronize_session=False)
    )


def end_all_sessions(user: User) -> None:
    """Log out everywhere: sessions and remember-me cookies carry the old epoch in the user id."""
    user.session_epoch = (user.session_epoch or 0) + 1


# --- reset links ------------------------------------------------------------------------------


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def create_reset_token(user: User, now: datetime | None = None) -> str:
    """A new single-use link secret (only its hash is stored); valid for RESET_VALID."""
    now = now or datetime.now(UTC)
    secret = secrets.token_urlsafe(32)
    db.session.add(
        PasswordResetToken(
            user_id=user.id,
            token_hash=_digest(secret),
            created_at=now,
            expires_at=now + RESET_VALID,
        )
    )
    return secret


@dataclass(frozen=True)
class ResetCheck:
    token: PasswordResetToken | None
    problem: str | None  # "unknown", "used", "expired" or None when usable


def reset_link_owner(secret: str) -> int | None:
    """Whose link this is, asked before anyone is known (lookups): the route then reads the
    link and the account as that person."""
    return lookups.reset_link_account(_digest(secret or ""))


def check_reset_token(secret: str, now: datetime | None = None) -> ResetCheck:
    now = now or datetime.now(UTC)
    token = db.session.scalar(
        select(PasswordResetToken).where(PasswordResetToken.token_hash == _digest(secret or ""))
    )
    if token is None:
        return ResetCheck(None, "unknown")
    if token.used_at is not None:
        return ResetCheck(token, "used")
    expires = token.expires_at
    if expires.tzinfo is None:  # SQLite returns naive UTC
        expires = expires.replace(tzinfo=UTC)
    if now >= expires:
        return ResetCheck(token, "expired")
    return ResetCheck(token, None)


def use_reset_token(token: PasswordResetToken, password: str) -> User:
    user = db.session.get(User, token.user_id)
    set_password(user, password)  # also marks this and every other open link used
    return user


# --- two-factor login -------------------------------------------------------------------------


def new_totp_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(secret: str, email: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name=ISSUER)


def qr_svg(data: str) -> str:
    """The QR code as an SVG element (drawn on the server; no script, no external service)."""
    import qrcode
    import qrcode.image.svg

    image = qrcode.make(data, image_factory=qrcode.image.svg.SvgPathImage, box_size=8, border=2)
    return image.to_string(encoding="unicode")


def _matching_step(secret: str, code: str, now: datetime) -> int | None:
    """The 30-second step the code belongs to (this one or a neighbour, for clock drift)."""
    code = "".join(ch for ch in code if ch.isdigit())
    if len(code) != 6:
        return None
    totp = pyotp.TOTP(secret)
    step = int(now.timestamp()) // totp.interval
    for candidate in (step, step - 1, step + 1):
        if hmac.compare_digest(totp.at(candidate * totp.interval), code):
            return candidate
    return None


def confirm_totp(secret: str, code: str, now: datetime | None = None) -> bool:
    """Check the first code typed while enabling 2FA (before anything is stored)."""
    return _matching_step(secret, code, now or datetime.now(UTC)) is not None


def enable_totp(user: User, secret: str) -> list[str]:
    """Store the confirmed secret and return fresh recovery codes (shown once)."""
    user.totp_secret = secret
    user.totp_last_step = None
    return regenerate_recovery_codes(user)


def disable_totp(user: User) -> None:
    user.totp_secret = None
    user.totp_last_step = None
    db.session.execute(RecoveryCode.__table__.delete().where(RecoveryCode.user_id == user.id))


def verify_second_factor(user: User, code: str, now: datetime | None = None) -> bool:
    """A current TOTP code (each code works once) or an unused recovery code."""
    if not user.has_totp:
        return False
    now = now or datetime.now(UTC)
    step = _matching_step(user.totp_secret, code, now)
    if step is not None:
        if user.totp_last_step is not None and step <= user.totp_last_step:
            return False  # replayed code
        user.totp_last_step = step
        return True
    return _use_recovery_code(user, code, now)


def _normalize_recovery(code: str) -> str:
    return "".join(ch for ch in code.lower() if ch.isalnum())


def regenerate_recovery_codes(user: User) -> list[str]:
    db.session.execute(RecoveryCode.__table__.delete().where(RecoveryCode.user_id == user.id))
    codes = []
    for _i in range(RECOVERY_CODE_COUNT):
        raw = secrets.token_hex(5)  # 10 hex digits, shown as xxxxx-xxxxx
        codes.append(f"{raw[:5]}-{raw[5:]}")
        db.session.add(RecoveryCode(user_id=user.id, code_hash=_digest(raw)))
    return codes


def _use_recovery_code(user: User, code: str, now: datetime) -> bool:
    digest = _digest(_normalize_recovery(code))
    row = db.session.scalar(
        select(RecoveryCode).where(
            RecoveryCode.user_id == user.id,
            RecoveryCode.code_hash == digest,
            RecoveryCode.used_at.is_(None),
        )
    )
    if row is None:
        return False
    row.used_at = now
    return True


def recovery_codes_left(user: User) -> int:
    return len(
        db.session.scalars(
            select(RecoveryCode.id).where(
                RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None)
            )
        ).all()
    )
