"""The web app's languages: gettext catalogs (``web/locale/<lang>.po``, read with Babel) and the choice of language.

The language of a page is, in order: ``?lang=`` (remembered in a cookie), the cookie, the language a
page's content is in when it has one (a sourcing run follows its buyer's need), the browser's
Accept-Language, English. Arabic pages are laid out right to left. Catalogs are compiled in memory
at first use; ``scripts/i18n.py`` extracts the messages and checks every catalog is complete.
"""

from __future__ import annotations

import gettext
import io
import re
from contextvars import ContextVar
from functools import cache
from importlib import resources

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

LANGUAGES = {"en": "English", "zh": "中文", "es": "Español", "ar": "العربية"}
RTL = {"ar"}
COOKIE = "tw_lang"
PLACEHOLDER = re.compile(r"%\((\w+)\)s")
current: ContextVar[str] = ContextVar("tw_web_lang", default="en")


def N_(message: str) -> str:
    """Mark a message for extraction where it is defined; translate it where it is shown."""
    return message


@cache
def translations(lang: str) -> gettext.NullTranslations:
    if lang == "en" or lang not in LANGUAGES:
        return gettext.NullTranslations()
    po = resources.files("tradewinds.web").joinpath(f"locale/{lang}.po").read_bytes()
    mo = io.BytesIO()
    write_mo(mo, read_po(io.BytesIO(po), locale=lang))
    mo.seek(0)
    return Translations(mo)


def _(message: str, **values) -> str:
    """The message in the current page's language, with %(name)s values filled in."""
    text = translations(current.get()).gettext(message)
    return text % values if values else text


def ngettext(singular: str, plural: str, n: int, **values) -> str:
    text = translations(current.get()).ngettext(singular, plural, n)
    return text % {"n": n, **values}


def _accept(header: str) -> str | None:
    """The best of our languages in an Accept-Language header ('es-MX,es;q=0.9,en;q=0.5' -> 'es')."""
    ranked = []
    for part in header.split(","):
        tag, _, q = part.strip().partition(";q=")
        try:
            weight = float(q) if q else 1.0
        except ValueError:
            weight = 0.0
        ranked.append((weight, tag.split("-")[0].lower()))
    return next((lang for _, lang in sorted(ranked, key=lambda r: -r[0]) if lang in LANGUAGES), None)


def choose(query: str | None, cookie: str | None, accept: str | None, content: str | None = None) -> str:
    for lang in (query, cookie, content, _accept(accept or "")):
        if lang in LANGUAGES:
            return lang
    return "en"


def messages() -> dict[str, str | tuple[str, str]]:
    """Every message the web app shows, from its templates, ``pages.py`` and ``static/app.js``'s island: msgid ->
    where it is used (a plural message's msgid maps to its (singular, plural) pair under the key of the singular)."""
    from babel.messages.extract import extract_from_file

    here = resources.files("tradewinds.web")
    found: dict[str, str | tuple[str, str]] = {}
    sources = [("python", here.joinpath("pages.py"))]
    sources += [("jinja2.ext:babel_extract", t) for t in sorted(here.joinpath("templates").iterdir(), key=lambda t: t.name)
                if t.name.endswith(".html")]
    keywords = {"_": None, "N_": None, "ngettext": (1, 2)}
    for method, path in sources:
        for _lineno, message, _comments, _context in extract_from_file(method, str(path), keywords=keywords,
                                                                       options={"trimmed": "false"}):
            if isinstance(message, tuple):
                if all(message[:2]):
                    found.setdefault(message[0], (message[0], message[1]))
            elif message:
                found.setdefault(message, message)
    return found


def problems(lang: str, po_text: bytes | None = None) -> list[str]:
    """What ``web/locale/<lang>.po`` (or ``po_text``) gets wrong: messages it does not translate (empty, fuzzy or
    absent) and translations whose %(name)s values differ from the message's (a page would fail or lose a figure)."""
    po_text = po_text if po_text is not None else resources.files("tradewinds.web").joinpath(f"locale/{lang}.po").read_bytes()
    po = read_po(io.BytesIO(po_text), locale=lang)
    found = []
    for msgid, message in messages().items():
        entry = po.get(msgid)
        strings = entry.string if entry is not None else None
        strings = strings if isinstance(strings, tuple) else (strings,)
        if entry is None or entry.fuzzy or not all(strings):
            found.append(f"untranslated: {msgid!r}")
            continue
        wanted = set(PLACEHOLDER.findall(" ".join(message) if isinstance(message, tuple) else message))
        for text in strings:
            names = set(PLACEHOLDER.findall(text))
            # a plural form may leave the count out ('one line', not '1 line'), never add a value or drop another
            if names - wanted or (wanted - names) - {"n"}:
                found.append(f"values differ in {msgid!r}: {text!r}")
    return found
