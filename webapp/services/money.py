"""Currencies offered in forms: the ones export trade uses, named by Babel in the UI language."""

from __future__ import annotations

from babel.numbers import get_currency_name
from flask_babel import get_locale

COMMON_CURRENCIES = (
    "USD", "EUR", "HKD", "CNY", "GBP", "JPY", "AUD", "CAD", "CHF", "AED", "SAR", "SGD", "KRW",
    "INR", "RUB", "BRL", "MXN", "TRY", "ZAR", "NZD",
)  # fmt: skip


def currency_choices(locale_code: str | None = None) -> dict[str, str]:
    locale_code = locale_code or str(get_locale() or "zh")
    return {
        code: f"{code} — {get_currency_name(code, locale=locale_code)}"
        for code in COMMON_CURRENCIES
    }
