"""Follow-ups: a short message edits the ledger; only lines whose requirements changed re-run.

Read with the same extractors and cue words as a need, in any language: supplier countries ("also
only suppliers outside China" excludes China, it adds nothing), verification ("unverified suppliers
are fine"), quantities ("quantity 20 for the chairs"), price caps ("under 3 USD", "cheaper" = 20%
below the best price found), certifications ("must be CE plus RoHS" requires both; "CE is not
needed" drops it), Incoterms, lead times, the destination, adding lines ("add 2 grinders": only an
add word with a product adds one) and removing them ("remove the blender").
"""

from __future__ import annotations

import re

from ..errors import BadInputError
from ..lang import cues, fold
from .extract import extract, normalize
from .lexicon import find_terms
from .schemas import Ledger, LedgerLine, SourcingReport
from .score import adequate
from .understand import _singular_phrase, fallback_name, plan_queries


def _find_line(ledger: Ledger, text: str) -> LedgerLine | None:
    """The line a message is about: by concept, else by shared words; the only line when there is one."""
    terms = find_terms(text, extract(text).language)
    for t in terms:
        for line in ledger.lines:
            if line.concept == t.concept.name:
                return line
    words = {w.rstrip("s") for w in re.findall(r"[^\W\d_]{3,}", text.lower())}
    best, best_n = None, 0
    for line in ledger.lines:
        n = len(words & {w.rstrip("s") for w in line.name.lower().split()})
        if n > best_n:
            best, best_n = line, n
    return best or (ledger.lines[0] if len(ledger.lines) == 1 else None)


def _add_line(new: Ledger, text: str, e, changes: list[str]) -> bool:
    """'add 2 commercial blenders', 'we also need 20 chairs': a new line, with its own numbers."""
    folded = fold(text)
    cue = cues.find("add_line", folded, e.language)
    if not cue:
        return False
    rest = text[cue[0].end:]
    terms = find_terms(rest, e.language)
    qty = e.quantities[0][0] if e.quantities else None
    if not terms and not re.search(r"[^\W\d_]{3,}", re.sub(r"\d+", "", rest)):
        return False
    if terms:
        name = _singular_phrase(terms[0].native) if e.language == "en" else terms[0].english
        concept, native = terms[0].concept.name, (terms[0].native if e.language != "en" else None)
    else:
        name = re.sub(r"^\s*(?:\d+\s*)?(?:an?|the|some)?\s*", "", fallback_name(rest, extract(rest)) or rest, flags=re.I).strip()
        name, concept, native = _singular_phrase(name)[:120], None, None
    line = LedgerLine(id=f"L{max((int(x.id[1:]) for x in new.lines if x.id[1:].isdigit()), default=0) + 1}", name=name,
                      quantity=qty or 1, quantity_stated=qty is not None, currency=new.currency, certifications=list(e.certifications),
                      concept=concept, native=native)
    line.queries = plan_queries(line, e.language)
    new.lines.append(line)
    changes.append(f"added {line.id} {name} x {line.quantity}")
    return True


def apply_followup(ledger: Ledger, message: str, report: SourcingReport | None = None) -> tuple[Ledger, list[str]]:
    """(new ledger, human-readable changes). Raises BadInputError when nothing in the message is understood."""
    text = normalize(message)
    e = extract(text)
    new = ledger.model_copy(deep=True)
    changes: list[str] = []
    folded = fold(text)

    if _add_line(new, text, e, changes):
        return new, changes  # an added line's own numbers are not edits of the others

    if cues.find("remove_line", folded, e.language) and not e.countries["exclude"] and not e.certifications:
        target = _find_line(new, text[cues.find("remove_line", folded, e.language)[0].end:])
        if target is not None:
            new.lines = [x for x in new.lines if x.id != target.id]
            changes.append(f"removed {target.id} {target.name}")

    if e.countries["exclude"] and set(e.countries["exclude"]) - set(new.exclude_countries):
        new.exclude_countries = sorted(set(new.exclude_countries) | set(e.countries["exclude"]))
        new.supplier_countries = [c for c in new.supplier_countries if c not in new.exclude_countries]
        changes.append(f"suppliers not from {', '.join(new.exclude_countries)}")
    if e.countries["include"]:
        new.supplier_countries = e.countries["include"]
        new.exclude_countries = [c for c in new.exclude_countries if c not in e.countries["include"]]
        changes.append(f"suppliers only from {', '.join(e.countries['include'])}")
    if e.countries["destination"] and e.countries["destination"][0] != new.destination_country:
        new.destination_country = e.countries["destination"][0]
        changes.append(f"ship to {new.destination_country}")

    verified_said = cues.present("verified", folded, e.language) or cues.present("unverified", folded, e.language)
    if verified_said and e.verified_only != new.verified_only:
        new.verified_only = e.verified_only
        changes.append("verified suppliers only" if e.verified_only else "unverified suppliers allowed")

    qty = re.search(r"(?:quantity|qty|cantidad|quantité|menge|quantità|quantidade|hoeveelheid|ilość|miktar|количество|数量|수량|"
                    r"số lượng|jumlah|จำนวน|मात्रा|الكمية)\s*(?:to|of|=|:|a|à|auf|su|para|op|na|до|को)?\s*(\d[\d,.\s]*)", text, re.I)
    quantity = int(re.sub(r"\D", "", qty.group(1))) if qty else (e.quantities[0][0] if e.quantities else None)
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
    elif cues.present("cheaper", folded, e.language):
        for line in new.lines:
            result = next((r for r in (report.lines if report else []) if r.line_id == line.id), None)
            best = next((o for o in (result.options if result else []) if adequate(o) and o.unit_price is not None), None)
            if best is not None and best.currency == line.currency:
                line.max_unit_price = round(best.unit_price * 0.8, 2)
                changes.append(f"{line.id} {line.name}: unit price <= {line.max_unit_price:g} {line.currency} (20% below the best found)")
            elif line.max_unit_price:
                line.max_unit_price = round(line.max_unit_price * 0.8, 2)
                changes.append(f"{line.id} {line.name}: unit price <= {line.max_unit_price:g} {line.currency}")
    budgets = [mo for mo in e.money if mo.kind == "total"]
    if budgets and budgets[-1].amount != new.budget_total:
        new.budget_total, new.currency = budgets[-1].amount, budgets[-1].currency or new.currency
        changes.append(f"budget {new.budget_total:,.2f} {new.currency}")

    for cert in e.certifications:
        for line in new.lines:
            if cert not in line.certifications:
                line.certifications.append(cert)
                changes.append(f"{line.id} {line.name}: requires {cert}")
    for cert in e.negated_certifications:
        for line in new.lines:
            if cert in line.certifications:
                line.certifications.remove(cert)
                changes.append(f"{line.id} {line.name}: {cert} no longer required")
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
