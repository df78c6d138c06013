"""The message to the buyer, in the buyer's language, and the check that its numbers are the decision's.

A message is a template of messages.toml filled with the refund written the way the buyer's locale writes money
(Babel's CLDR data). :func:`check` reads every number back out of the text and refuses a message whose numbers are
not exactly the refund (none for a decision that pays nothing): a served model that rewrites the message, or a
template someone edits, cannot promise another amount.
"""

from __future__ import annotations

import tomllib
from decimal import Decimal
from functools import cache
from pathlib import Path

from babel.numbers import format_currency

from ...lang.detect import detect_language
from ...lang.numbers import find_numbers
from .schemas import REFUNDING, RefundCase

LOCALES = {"en": "en_US", "es": "es_ES", "de": "de_DE", "fr": "fr_FR", "pt": "pt_PT", "zh": "zh_CN", "ja": "ja_JP", "ko": "ko_KR", "ar": "ar"}


@cache
def templates() -> dict[str, dict[str, str]]:
    return tomllib.loads((Path(__file__).with_name("messages.toml")).read_text(encoding="utf-8"))


def language(case: RefundCase) -> str:
    """The buyer's language: the case's own, else read from their words; English when neither says."""
    lang = (case.lang or "").lower()[:2] or (detect_language(case.reason_text) if case.reason_text and case.reason_text.strip() else "en")
    return lang if lang in templates() else "en"


def money(amount: Decimal, currency: str, lang: str) -> str:
    return format_currency(amount, currency, locale=LOCALES.get(lang, "en_US"))


def render(decision: str, amount: Decimal, currency: str, lang: str) -> str:
    text = templates().get(lang, templates()["en"])[decision]
    return text.format(amount=money(amount, currency, lang))


def check(text: str, decision: str, amount: Decimal, lang: str) -> list[str]:
    """Problems with a message's numbers (empty: it states exactly the decision's refund, or no number at all)."""
    found = [Decimal(str(n.value)).quantize(Decimal("0.01")) for n in find_numbers(text, lang if lang in LOCALES else "en")]
    want = amount.quantize(Decimal("0.01"))  # an amount is already rounded to its currency's unit
    problems = [f"the message states {n} but the decision refunds {want}" for n in found if n != want]
    if decision in REFUNDING and want not in found:
        problems.append(f"the message does not state the refund of {want}")
    if decision not in REFUNDING and found:
        problems = [f"the message states {n} but the decision ({decision}) refunds nothing" for n in found]
    return problems
