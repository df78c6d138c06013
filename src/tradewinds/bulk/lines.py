"""Sheet rows -> requirement lines. Cell text is data: it is parsed, never followed.

A row that cannot be read fully is kept with what was assumed written in ``issues`` (row,
column, value, what was expected), so nothing the buyer wrote is silently lost.
"""

from __future__ import annotations

import re

from pydantic import BaseModel, Field

from ..errors import BadInputError
from ..sourcing.extract import extract, find_money, normalize
from ..lang.cldr import currency_in
from ..sourcing.lexicon import find_terms
from ..sourcing.schemas import LedgerLine
from ..sourcing.specs import find_specs, strip_measures
from ..sourcing.understand import check_need, plan_queries
from .columns import ColumnMapping
from .reader import Sheet

class BulkLine(BaseModel):
    row: int = Field(description="Sheet row number, as the buyer sees it")
    ref: str | None = None
    text: str = Field(description="The item cell as written")
    notes: str | None = None
    unit: str | None = Field(None, description="As written in the unit column: pcs, sets, m, kg...")
    line: LedgerLine
    issues: list[str] = Field(default_factory=list)


def currency_of(text: str) -> str | None:
    """The currency a header or cell names, from the same CLDR tables the need reader uses."""
    return currency_in(text)


def parse_number(text: str) -> float | None:
    """'1,000 pcs' -> 1000; '1.000' -> 1000; '2,5 €' -> 2.5; '500件' -> 500."""
    m = re.search(r"\d[\d,.\s]*", normalize(text))
    if not m:
        return None
    raw = m.group().strip().replace(" ", "")
    if re.fullmatch(r"\d{1,3}(?:\.\d{3})+", raw):  # 1.000 / 12.500.000: dots as thousands
        raw = raw.replace(".", "")
    elif re.fullmatch(r"\d+,\d{1,2}", raw):  # 2,5 / 12,50: decimal comma
        raw = raw.replace(",", ".")
    else:
        raw = raw.replace(",", "")
    try:
        return float(raw.rstrip("."))
    except ValueError:
        return None


def to_lines(sheet: Sheet, mapping: ColumnMapping, *, default_currency: str = "USD") -> tuple[list[BulkLine], list[str]]:
    """(lines, rows skipped with the reason)."""
    header_currency = next((currency_of(mapping.headers[i]) for r, i in mapping.columns.items()
                            if r == "price" and i < len(mapping.headers) and mapping.headers[i]), None)
    lines, skipped = [], []

    def cell(cells: list[str], role: str) -> str:
        i = mapping.columns.get(role)
        return cells[i].strip() if i is not None and i < len(cells) else ""

    for number, cells in sheet.rows:
        if mapping.header_row is not None and number <= mapping.header_row:
            continue
        item = cell(cells, "item")
        if not item:
            if any(c.strip() for c in cells):
                skipped.append(f"row {number}: column {mapping.letter('item')} (item) is empty; the row was not sourced")
            continue
        try:
            check_need(item)
        except BadInputError as exc:  # a formula or a cell without words is not a product: never matched to one
            skipped.append(f"row {number}, column {mapping.letter('item')} (item): {exc.message}; the row was not sourced "
                           f"(fix: {exc.hint})")
            continue
        issues: list[str] = []
        notes = " ".join(x for x in (cell(cells, "notes"), cell(cells, "certs")) if x) or None
        qty_text, quantity = cell(cells, "qty"), None
        if qty_text:
            value = parse_number(qty_text)
            if value is None or value < 1:
                issues.append(f"row {number}, column {mapping.letter('qty')} (qty): {qty_text!r} is not a quantity; assumed 1 "
                              "(fix: write a number such as 500)")
            else:
                quantity = round(value)
        quantity_in_item = quantity is None
        if quantity is None:
            found = extract(item).quantities
            quantity = found[0][0] if found else 1
            if not found and not issues:
                issues.append(f"row {number}: no quantity given; assumed 1")
        price_text, price, currency = cell(cells, "price"), None, None
        if price_text:
            money = find_money(normalize(price_text))
            price = money[0].amount if money else parse_number(price_text)
            currency = (money[0].currency if money and money[0].currency else None) or currency_of(price_text)
            if price is None or price <= 0:
                issues.append(f"row {number}, column {mapping.letter('price')} (price): {price_text!r} is not a price; no price cap used "
                              "(fix: write a number such as 2.50)")
                price = None
        currency = (currency or currency_of(cell(cells, "currency")) or (cell(cells, "currency").upper()[:3] or None)
                    or header_currency or default_currency)
        described = f"{item}. {notes or ''}"
        facts = extract(described)
        owned = [m.span for m in facts.money] + ([span for _, span in facts.quantities] if quantity_in_item else [])
        specs = find_specs(normalize(described), owned)
        language = facts.language
        bare = strip_measures(normalize(item))
        name = bare[:120] if len(bare) >= 2 else item[:120]
        terms = find_terms(normalize(item), language)
        concept, native = None, None
        if terms:
            concept, native = terms[0].concept.name, (terms[0].native if language != "en" else None)
            name = terms[0].english
        elif language != "en":
            issues.append(f"row {number}: '{item[:60]}' is not in the product lexicon; searched as written")
        line = LedgerLine(id=f"R{number}", name=name, quantity=quantity, max_unit_price=price, currency=currency,
                          certifications=facts.certifications, customization=facts.customization, specs=specs,
                          concept=concept, native=native or (item[:120] if not terms and language != "en" else None))
        line.queries = plan_queries(line, language)
        lines.append(BulkLine(row=number, ref=cell(cells, "ref") or None, text=item, notes=notes, unit=cell(cells, "unit")[:20] or None,
                              line=line, issues=issues))
    return lines, skipped
