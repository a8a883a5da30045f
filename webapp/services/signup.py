"""Company signup: slug rules and creating a company with its owner."""

from __future__ import annotations

import re
import unicodedata

from sqlalchemy import func, select
from sqlalchemy.orm import contains_eager, selectinload

from ..extensions import db
from ..models import Membership, Tenant, User
from ..tenancy import acting_user, cross_tenant, tenant_context
from .passwords import hash_password, verify_password

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
    return db.session.scalar(select(func.count()).where(Tenant.slug == slug)) > 0


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
    """Create the company and its owner (or add the company to an existing account).

    Raises SignupError for a taken slug or an existing email whose password does not match.
    """
    email = email.strip().lower()
    problem = slug_problem(slug)
    if problem:
        raise SignupError("slug", problem)
    with cross_tenant():
        user = db.session.scalar(select(User).where(User.email == email))
    if user is not None and not (user.active and verify_password(user.password_hash, password)):
        # a deactivated account could not log in to the company it creates: refuse it too
        raise SignupError("email", "exists")
    tenant = Tenant(
        slug=slug,
        name=company_name.strip(),
        home_country=home_country.upper(),
        default_locale=default_locale,
    )
    if user is None:
        user = User(email=email, name=owner_name.strip(), password_hash=hash_password(password))
    db.session.add_all([tenant, user])
    db.session.flush()
    with tenant_context(tenant.id):
        membership = Membership(tenant_id=tenant.id, user=user)
        membership.set_roles({"owner"})
        db.session.add(membership)
        db.session.flush()
    return tenant, user


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
