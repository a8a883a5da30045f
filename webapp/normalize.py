"""Pure normalization rules behind the duplicate check (no database, no request): the keys a
Customer derives on assignment (models/customer.py) and what the services compare. It imports
nothing of the app, so every layer may use it."""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import urlsplit

# Legal-form words dropped before comparing names; longest first, so that
# 股份有限公司 goes before 有限公司.
_LEGAL_SUFFIXES = sorted(
    [
        "股份有限公司",
        "有限责任公司",
        "有限公司",
        "集团",
        "公司",
        "co",
        "company",
        "corp",
        "corporation",
        "inc",
        "incorporated",
        "ltd",
        "limited",
        "llc",
        "llp",
        "plc",
        "gmbh",
        "ag",
        "kg",
        "sa",
        "sas",
        "sarl",
        "srl",
        "spa",
        "bv",
        "nv",
        "ab",
        "as",
        "oy",
        "kk",
        "pty",
        "pte",
        "jsc",
        "sdn",
        "bhd",
        "ltda",
        "trading",
        "import",
        "export",
        "imports",
        "exports",
    ],  # fmt: skip
    key=len,
    reverse=True,
)
_ASCII_SUFFIX_RE = re.compile(
    r"\b(?:" + "|".join(s for s in _LEGAL_SUFFIXES if s.isascii()) + r")\b"
)

# Free mail providers: two customers sharing gmail.com are not the same company.
PUBLIC_MAIL_DOMAINS = frozenset(
    {
        "gmail.com",
        "googlemail.com",
        "yahoo.com",
        "yahoo.co.uk",
        "yahoo.co.jp",
        "ymail.com",
        "hotmail.com",
        "outlook.com",
        "live.com",
        "msn.com",
        "icloud.com",
        "me.com",
        "mac.com",
        "aol.com",
        "gmx.de",
        "gmx.net",
        "gmx.com",
        "web.de",
        "mail.ru",
        "yandex.ru",
        "yandex.com",
        "protonmail.com",
        "proton.me",
        "zoho.com",
        "qq.com",
        "foxmail.com",
        "163.com",
        "126.com",
        "yeah.net",
        "sina.com",
        "sina.cn",
        "sohu.com",
        "139.com",
        "189.cn",
        "aliyun.com",
        "naver.com",
        "daum.net",
        "hanmail.net",
        "rediffmail.com",
        "mail.com",
    }
)


def normalize_company_name(name: str | None) -> str:
    """'Shenzhen Huacai Digital Co., Ltd.' and 'SHENZHEN HUACAI DIGITAL' give the same key."""
    if not name:
        return ""
    text = unicodedata.normalize("NFKC", name).casefold()
    text = text.replace("&", " and ")
    for suffix in _LEGAL_SUFFIXES:
        if not suffix.isascii():
            text = text.replace(suffix, " ")
    text = re.sub(r"[^\w]+", " ", text)  # punctuation (Co., Ltd.) becomes spaces
    text = _ASCII_SUFFIX_RE.sub(" ", text)
    # "GmbH & Co. KG" leaves a dangling "and" once the legal words are gone
    text = re.sub(r"(?:\band\s*)+$", "", text.strip())
    # capped to the column: "&" -> "and" can make the key longer than the name
    return re.sub(r"[\s_]+", "", text)[:200]


def website_host(url: str | None) -> str | None:
    """'https://www.Example.com/en/' -> 'example.com'."""
    if not url or not url.strip():
        return None
    value = url.strip()
    if "://" not in value:
        value = "http://" + value
    try:
        host = (urlsplit(value).hostname or "").lower().removeprefix("www.")
    except ValueError:  # e.g. a stray "[" reads as a broken IPv6 address
        return None
    return host or None


def email_domain(email: str | None) -> str | None:
    """The company domain of an email, or None for free mail providers."""
    if not email or "@" not in email:
        return None
    domain = email.rsplit("@", 1)[1].strip().lower()
    return None if not domain or domain in PUBLIC_MAIL_DOMAINS else domain


# letters whose accent is part of the letter, not a combining mark (NFKD leaves them whole):
# folded to what people type on a keyboard without them
_WHOLE_LETTERS = str.maketrans(
    {"ø": "o", "đ": "d", "ð": "d", "ł": "l", "ħ": "h", "ı": "i", "ŀ": "l", "ŧ": "t",
     "æ": "ae", "œ": "oe", "þ": "th"}
)  # fmt: skip
# kana voicing marks are letters' identity, not accents: が is not か
_KEPT_MARKS = frozenset("\u3099\u309a")


def fold(text: str) -> str:
    """Case and accents folded, in every script, for searching: "Müller", "MÜLLER" and
    "muller" are one text, as are "Straße"/"STRASSE", "Ωμέγα"/"ωμεγα", full-width "ＡＢＣ"/"abc"
    and "São"/"sao". Chinese is unchanged. Both the stored search text and the term go through
    it, so the database compares plain strings (services/search.py)."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    bare = "".join(c for c in decomposed if c in _KEPT_MARKS or not unicodedata.combining(c))
    return unicodedata.normalize("NFC", bare.casefold()).translate(_WHOLE_LETTERS)


def like_pattern(term: str) -> str:
    """`%term%` for LIKE ... ESCAPE '\\': the user's own % and _ match themselves."""
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


# C0 control characters other than tab, newline and carriage return (a textarea sends CRLF):
# nobody types them, copy-paste brings them in, and they break the Excel export (openpyxl
# refuses them) and XML. NUL is separate: the web refuses it with a message, the import
# refuses the row (webapp/security.py, services/importing/rows.py).
_CONTROLS = re.compile("[\x01-\x08\x0b\x0c\x0e-\x1f]")
_CONTROLS_AND_NUL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")


def strip_controls(text: str, *, nul: bool = True) -> str:
    """'Acme\\x01 GmbH' -> 'Acme GmbH'; `nul=False` leaves NUL for the caller to refuse."""
    return (_CONTROLS_AND_NUL if nul else _CONTROLS).sub("", text)
