"""The three classification scales of the paper forms (DOMAIN.md §2) and the customer's nature.

Values are stored as stable codes; labels and definitions are translated at display time.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

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


SCALES = {"nature": NATURES, "grade": GRADES, "importance": IMPORTANCE, "category": CATEGORIES}


def label_of(scale: str, code: str | None) -> str:
    """The translated label of a stored code ("" when empty; the code itself if unknown)."""
    if not code:
        return ""
    return str(SCALES[scale].get(code, code))
