"""Follow-ups: a short message edits the ledger; only lines whose requirements changed re-run.

Understood (several languages, deterministically): supplier countries ("only suppliers outside
China", "only from Vietnam"), quantities ("quantity 20", "20 chairs"), price caps ("under 3 USD",
"cheaper" = 20% below the best price found), certifications ("must be CE"), Incoterms, lead
times, adding lines ("add a grinder", "add 2 grinders") and removing them ("remove the blender").
"""

from __future__ import annotations

import re

from ..errors import BadInputError
from .extract import extract, normalize
from .schemas import Ledger, LedgerLine, SourcingReport
from .score import adequate
from .understand import plan_queries


def _find_line(ledger: Ledger, text: str) -> LedgerLine | None:
    words = {w.rstrip("s") for w in re.findall(r"[^\W\d_]{3,}", text.lower())}
    best, best_n = None, 0
    for line in ledger.lines:
        n = len(words & {w.rstrip("s") for w in line.name.lower().split()})
        if n > best_n:
            best, best_n = line, n
    return best or (ledger.lines[0] if len(ledger.lines) == 1 else None)


def apply_followup(ledger: Ledger, message: str, report: SourcingReport | None = None) -> tuple[Ledger, list[str]]:
    """(new ledger, human-readable changes). Raises BadInputError when nothing in the message is understood."""
    text = normalize(message)
    e = extract(text)
    new = ledger.model_copy(deep=True)
    changes: list[str] = []
    lowered = text.lower()

    m = re.search(r"\b(?:add|also|plus|añade|agrega|添加|加上|추가|أضف)\b\s*(?:an?|some|un[ao]?s?)?\s*(?P<qty>\d+)?\s*(?P<name>[^,.;]+)", text, re.I)
    if m:
        name = re.sub(r"^(?:an?|the)\s+", "", m.group("name").strip(), flags=re.I)
        name = re.sub(r"(?<=[a-z])s$", "", name) if not name.endswith("ss") else name
        qty = int(m.group("qty")) if m.group("qty") else 1
        line = LedgerLine(id=f"L{max((int(x.id[1:]) for x in new.lines), default=0) + 1}", name=name, quantity=qty,
                          quantity_stated=bool(m.group("qty")), currency=new.currency, certifications=list(e.certifications))
        line.queries = plan_queries(line)
        new.lines.append(line)
        changes.append(f"added {line.id} {name} x {qty}")
        return new, changes  # an added line's own numbers are not edits of the others

    m = re.search(r"\b(?:remove|drop|delete|without|quita|elimina|删除|去掉|빼|احذف)\b\s*(?:the|el|la)?\s*(?P<name>[^,.;]+)", text, re.I)
    if m:
        target = _find_line(new, m.group("name"))
        if target is not None:
            new.lines = [x for x in new.lines if x.id != target.id]
            changes.append(f"removed {target.id} {target.name}")

    if e.countries["exclude"] and e.countries["exclude"] != new.exclude_countries:
        new.exclude_countries = sorted(set(new.exclude_countries) | set(e.countries["exclude"]))
        new.supplier_countries = [c for c in new.supplier_countries if c not in new.exclude_countries]
        changes.append(f"suppliers not from {', '.join(new.exclude_countries)}")
    include = e.countries["include"] or (e.countries["destination"] if re.search(r"\bonly\b|solo|只|만", lowered) else [])
    if include:
        new.supplier_countries = include
        new.exclude_countries = [c for c in new.exclude_countries if c not in include]
        changes.append(f"suppliers only from {', '.join(include)}")

    qty = re.search(r"(?:quantity|qty|cantidad|数量|수량|الكمية)\s*(?:to|of|=|:|a)?\s*(\d[\d,]*)", text, re.I)
    quantity = int(qty.group(1).replace(",", "")) if qty else (e.quantities[0][0] if e.quantities else None)
    if quantity:
        target = _find_line(new, text)
        if target is None:
            raise BadInputError(f"which line should get quantity {quantity}?", hint=f"name it, e.g. 'quantity {quantity} for {new.lines[0].name}'")
        if target.quantity != quantity:
            changes.append(f"{target.id} {target.name}: quantity {target.quantity:,} -> {quantity:,}")
            target.quantity, target.quantity_stated, target.quantity_formula = quantity, True, None

    caps = [mo for mo in e.money if mo.kind == "unit"]
    if caps:
        for line in ([_find_line(new, text)] if len(new.lines) > 1 and _find_line(new, text) else new.lines):
            line.max_unit_price, line.currency = caps[0].amount, caps[0].currency or line.currency
            changes.append(f"{line.id} {line.name}: unit price <= {caps[0].amount:g} {line.currency}")
    elif re.search(r"cheaper|less expensive|lower price|más barato|más económico|便宜|更便宜|저렴|싸게|أرخص", lowered):
        for line in new.lines:
            result = next((r for r in (report.lines if report else []) if r.line_id == line.id), None)
            best = next((o for o in (result.options if result else []) if adequate(o) and o.unit_price is not None), None)
            if best is not None and best.currency == line.currency:
                line.max_unit_price = round(best.unit_price * 0.8, 2)
                changes.append(f"{line.id} {line.name}: unit price <= {line.max_unit_price:g} {line.currency} (20% below the best found)")
            elif line.max_unit_price:
                line.max_unit_price = round(line.max_unit_price * 0.8, 2)
                changes.append(f"{line.id} {line.name}: unit price <= {line.max_unit_price:g} {line.currency}")

    for cert in e.certifications:
        for line in new.lines:
            if cert not in line.certifications:
                line.certifications.append(cert)
                changes.append(f"{line.id} {line.name}: requires {cert}")
    if e.incoterm and e.incoterm != new.incoterm:
        new.incoterm = e.incoterm
        changes.append(f"Incoterm {e.incoterm}")
    if e.lead_time_days and e.lead_time_days != new.max_lead_time_days:
        new.max_lead_time_days = e.lead_time_days
        changes.append(f"lead time <= {e.lead_time_days} days")
    if not changes:
        raise BadInputError(f"nothing in {message!r} changes the requirements",
                            hint="try e.g. 'only suppliers outside China', 'quantity 20 for chairs', 'add a grinder', 'cheaper', 'under 3 USD'")
    return new, changes
