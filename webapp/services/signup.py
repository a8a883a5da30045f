"""Company signup: slug rules and creating a company with its owner."""

from __future__ import annotations

import re
import unicodedata
from datetime import timedelta

from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import select
from sqlalchemy.orm import contains_eager, selectinload

from ..extensions import db
from ..models import Membership, Tenant, User
from ..tenancy.context import acting_user, cross_tenant, tenant_context
from . import audit, lookups
from .accounts import end_reset_links
from .passwords import hash_password

SLUG_RE = re.compile(r"[a-z0-9][a-z0-9-]{1,38}[a-z0-9]")  # always used with fullmatch()
# Path segments we may want for ourselves later, or that would confuse people.
RESERVED_SLUGS = frozenset(
    {
        "admin",
        "api",
        "app",
        "static",
        "assets",
        "login",
        "logout",
        "signup",
        "help",
        "support",
        "www",
        "mail",
        "demo-admin",
        "settings",
        "new",
        "t",
        "root",
        "system",
    }
)


class SignupError(ValueError):
    """Invalid signup data: `field` is the form field, `code` what is wrong (the UI words it)."""

    def __init__(self, field: str, code: str) -> None:
        super().__init__(f"{field}: {code}")
        self.field = field
        self.code = code


def slugify(text: str) -> str:
    """ASCII slug from a company name; Chinese characters become pinyin."""
    from pypinyin import lazy_pinyin

    text = "-".join(lazy_pinyin(text.strip())) if re.search(r"[\u4e00-\u9fff]", text) else text
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    text = re.sub(r"[^a-zA-Z0-9]+", "-", text).strip("-").lower()
    text = re.sub(r"-{2,}", "-", text)
    return text[:40].strip("-")


def slug_taken(slug: str) -> bool:
    return lookups.company_id(slug) is not None


def suggest_slug(company_name: str) -> str:
    """A valid, free slug close to the company name ("" if the name gives nothing usable)."""
    base = slugify(company_name)
    # pinyin of a long name is long; drop the joining dashes of single syllables when too long
    if len(base) > 30:
        base = base.replace("-", "")[:30]
    if len(base) < 3:
        return ""
    candidate, n = base, 2
    while candidate in RESERVED_SLUGS or slug_taken(candidate):
        candidate = f"{base[:36]}-{n}"
        n += 1
    return candidate


def slug_problem(slug: str) -> str | None:
    """Why a slug is not acceptable, as a code (message chosen by the form), or None."""
    if not SLUG_RE.fullmatch(slug):
        return "format"
    if slug in RESERVED_SLUGS:
        return "reserved"
    if slug_taken(slug):
        return "taken"
    return None


def email_taken(email: str) -> bool:
    return lookups.account_id(email.strip().lower()) is not None


def create_company(
    *,
    company_name: str,
    slug: str,
    home_country: str,
    default_locale: str,
    owner_name: str,
    email: str,
    password: str,
) -> tuple[Tenant, User]:
    """Create the company and a new account as its owner.

    Raises SignupError for an unusable slug, or ("email", "exists") for an e-mail that has an
    account: a password alone never adds a company to an existing account (that would be a
    login without the second factor); its owner adds one while logged in (`add_company`)."""
    email = email.strip().lower()
    # add_company checks the slug too; asked here first, a bad one costs no password hashing
    problem = slug_problem(slug)
    if problem:
        raise SignupError("slug", problem)
    if email_taken(email):
        raise SignupError("email", "exists")
    user = User(email=email, name=owner_name.strip(), password_hash=hash_password(password))
    lookups.add_account(user)
    tenant = add_company(
        user,
        company_name=company_name,
        slug=slug,
        home_country=home_country,
        default_locale=default_locale,
    )
    return tenant, user


def add_company(
    owner: User, *, company_name: str, slug: str, home_country: str, default_locale: str
) -> Tenant:
    """A new company with `owner` (a new account, or the logged-in person) as its owner; the
    new company's audit log records who created it. Raises SignupError for an unusable slug."""
    problem = slug_problem(slug)
    if problem:
        raise SignupError("slug", problem)
    tenant = Tenant(
        id=lookups.reserve_id(Tenant),  # PostgreSQL: the new row is written inside its company
        slug=slug,
        name=company_name.strip(),
        home_country=home_country.upper(),
        default_locale=default_locale,
    )
    db.session.add_all([tenant, owner])
    with tenant_context(tenant.id), acting_user(owner.id):
        db.session.flush()
    with tenant_context(tenant.id):
        membership = Membership(tenant_id=tenant.id, user=owner)
        membership.set_roles({"owner"})
        db.session.add(membership)
        db.session.flush()
        end_reset_links(owner.id)  # a link an administrator handed out has lost its reason
        audit.record(
            "company.create",
            target_type="user",
            target_id=owner.id,
            detail={"name": tenant.name, "email": owner.email},
            user=owner,
        )
        db.session.flush()
    return tenant


# --- signup confirmed by e-mail (when the server sends mail) -----------------------------------

SIGNUP_LINK_VALID = timedelta(hours=24)
_SIGNUP_SALT = "tradefollow-signup"
SIGNUP_FIELDS = ("company_name", "slug", "home_country", "default_locale", "owner_name", "email")


def signup_token(data: dict[str, str], secret_key: str) -> str:
    """A signed, expiring link secret carrying the signup form's fields (no password: the link
    asks for it). Only whoever reads the mailbox can use it, which is what proves the address."""
    serializer = URLSafeTimedSerializer(secret_key, salt=_SIGNUP_SALT)
    return serializer.dumps({key: data[key] for key in SIGNUP_FIELDS})


def read_signup_token(token: str, secret_key: str) -> dict[str, str] | None:
    """The fields a signup link carries, or None when it is forged, damaged or expired."""
    serializer = URLSafeTimedSerializer(secret_key, salt=_SIGNUP_SALT)
    try:
        data = serializer.loads(token, max_age=int(SIGNUP_LINK_VALID.total_seconds()))
    except BadSignature:  # SignatureExpired is a BadSignature
        return None
    if not isinstance(data, dict) or set(data) != set(SIGNUP_FIELDS):
        return None
    return data


def memberships_of(user: User) -> list[Membership]:
    """Every active company a user belongs to (crosses tenants on purpose: the switcher)."""
    with cross_tenant(), acting_user(user.id):
        return list(
            db.session.scalars(
                select(Membership)
                .join(Membership.tenant)
                .options(contains_eager(Membership.tenant), selectinload(Membership.role_rows))
                .where(Membership.user_id == user.id, Membership.active.is_(True))
                .order_by(Tenant.name)
            ).unique()
        )
