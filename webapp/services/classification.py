"""The three classification scales of the paper forms (DOMAIN.md §2) and the customer's nature.

Values are stored as stable codes; labels and definitions are translated at display time.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext

NATURES = {
    "trading": _l("Trading company"),
    "buyer": _l("Buyer"),
    "buying_office": _l("Buying office"),
    "personal": _l("Personal"),
    "manufacturer": _l("Manufacturer"),
}

GRADES = {
    "A": _l("A: strong buyer or repeat customer"),
    "B": _l("B: will order within 3 months"),
    "C": _l("C: nurture, keep in touch"),
    "D": _l("D: inquired, never replied"),
}

IMPORTANCE = {
    "normal": _l("Normal"),
    "important": _l("Important"),
    "very_important": _l("Very important"),
}

# The paper's definitions, shown as help text next to the scales (DOMAIN.md §2).
GRADE_DEFINITIONS = {
    "A": _l("Strong large buyers; old customers who have ordered; customers with repeat orders."),
    "B": _l("Will order within the next 3 months; or ordered once but no repeat order yet."),
    "C": _l("Ordered but a repeat is nowhere near; or a strong prospect that answers slowly."),
    "D": _l("Sent an inquiry but never replied once: send them something new regularly."),
}

CATEGORY_DEFINITIONS = {
    "ready": _l("Has stated a concrete need and will buy within one month."),
    "intent": _l("Has stated a concrete need, not urgent."),
    "quality_prospect": _l("Communicates well, no concrete need yet."),
    "prospect": _l(
        "Communicates poorly and has no concrete need; or the contact has no decision power "
        "and there is no concrete need."
    ),
}

# The Excel template draws importance as stars (一星 …); the help text shows the same.
IMPORTANCE_STARS = {"normal": "★", "important": "★★", "very_important": "★★★"}

STATUSES = {
    "awaiting_order": _l("Awaiting order"),
    "factory_visit": _l("Factory visit"),
    "pending": _l("Pending"),
    "negotiating": _l("Negotiating"),
}

# Development stages are ticked boxes on the paper; stored as bits of one integer.
STAGES = {
    "quoted": _l("Quoted"),
    "sample": _l("Sample"),
    "certification": _l("Certification"),
    "packaging": _l("Packaging requirements"),
    "following": _l("Following up"),
    "catalogue": _l("Catalogue sent"),
    "shipped": _l("Shipped"),
}
STAGE_BITS = {code: 1 << i for i, code in enumerate(STAGES)}

OUTCOMES = {
    "ongoing": _l("Ongoing"),
    "won": _l("Won"),
    "lost": _l("Lost"),
}

GENDERS = {"female": _l("Female"), "male": _l("Male")}

CATEGORIES = {
    "ready": _l("Ready buyer"),
    "intent": _l("Intent customer"),
    "quality_prospect": _l("Quality prospect"),
    "prospect": _l("Ordinary prospect"),
}


def choices(scale: dict, blank: bool = True) -> list[tuple[str, str]]:
    """(code, label) pairs for a select field, labels in the current language."""
    pairs = [(code, str(label)) for code, label in scale.items()]
    return [("", "—"), *pairs] if blank else pairs


SCALES = {
    "nature": NATURES,
    "grade": GRADES,
    "importance": IMPORTANCE,
    "category": CATEGORIES,
    "status": STATUSES,
    "outcome": OUTCOMES,
    "gender": GENDERS,
}


def stages_to_bits(codes: list[str] | set[str]) -> int:
    return sum(STAGE_BITS[c] for c in set(codes) if c in STAGE_BITS)


def bits_to_stages(bits: int | None) -> list[str]:
    return [code for code, bit in STAGE_BITS.items() if (bits or 0) & bit]


def label_of(scale: str, code: str | None) -> str:
    """The translated label of a stored code ("" when empty; the code itself if unknown)."""
    if not code:
        return ""
    return str(SCALES[scale].get(code, code))


DUPLICATE_REASONS = {
    "name": _l("same company name"),
    "website": _l("same website"),
    "email": _l("same email domain"),
    "phone": _l("same phone number"),
}


def duplicate_reason(code: str) -> str:
    return str(DUPLICATE_REASONS.get(code, code))


# 跟进方式 — the paper's checkboxes, in its order. Visits are the first two.
METHODS = {
    "visit_direct": _l("Visit at the customer"),
    "visit_invited": _l("Customer visits us"),
    # same English words as the contact fields, different Chinese on the paper: own context
    "phone": lazy_pgettext("follow-up method", "Phone"),
    "chat": _l("Online chat"),
    "sms": _l("SMS"),
    "email": lazy_pgettext("follow-up method", "Email"),
    "other": _l("Other"),
}

# 拜访目的 with the points the paper lists under each (shown as hints)
VISIT_PURPOSES = {
    "first_visit": _l("First visit"),
    "learn": _l("Learn about the customer"),
    "recommend": _l("Recommend products"),
    "objections": _l("Resolve objections"),
    "after_sales": _l("After-sales service"),
}
VISIT_PURPOSE_HINTS = {
    "first_visit": _l("Introduce ourselves, referral, build rapport"),
    "learn": _l("Industry, operations"),
    "recommend": _l("Product information, terms of cooperation, quantity, price"),
    "objections": _l("Terms of cooperation, payment terms"),
    "after_sales": _l("Sell-through feedback, service, collecting payment"),
}
PURPOSE_BITS = {code: 1 << i for i, code in enumerate(VISIT_PURPOSES)}
SCALES["method"] = METHODS


def purposes_to_bits(codes: list[str] | set[str]) -> int:
    return sum(PURPOSE_BITS[c] for c in set(codes) if c in PURPOSE_BITS)


def bits_to_purposes(bits: int | None) -> list[str]:
    return [code for code, bit in PURPOSE_BITS.items() if (bits or 0) & bit]
