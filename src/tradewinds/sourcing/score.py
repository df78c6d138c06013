"""Score every candidate offer against every requirement of its line, quoting the record as evidence.

Statuses: ``met``; ``partial`` (close, or another Incoterm); ``unknown`` (the record is silent:
a question for the supplier); ``fails``. match = weighted share met (partial counts half).
Tiers: 100 (all met), 75, 50, 0. Hard requirements (MOQ <= quantity, price cap, certifications,
supplier country, verified) are also search filters, so a failing hard check means the record
and the index disagree; such an option is never marked adequate.
"""

from __future__ import annotations


from ..catalog.schemas import Capability, Product, Supplier
from ..search.schemas import SearchHit
from .kinds import Kind, line_words, same_kind
from ..lang import fold
from .lexicon import concepts, title_concepts
from .schemas import Ledger, LedgerLine, Option, RequirementCheck, Spec
from .specs import label as spec_label
from .specs import to_base

STATUS_VALUE = {"met": 1.0, "partial": 0.5, "unknown": 0.0, "fails": 0.0}
ADEQUATE = 0.75


def convert(amount: float, source: str, target: str, fx: dict[str, float]) -> float | None:
    if source == target:
        return amount
    if source not in fx or target not in fx:
        return None
    return amount * fx[source] / fx[target]


RELATED_SAME_CATEGORY = 0.5  # the match shown for a product of the line's category that is not the product asked for
RELATED_OTHER = 0.25


def product_check(line: LedgerLine, hit: SearchHit, product: Product | None, kind: Kind) -> RequirementCheck:
    """Is this the product? Its category must be one the line's kind allows and its title must name the same
    thing (kinds.same_kind); similar is not enough."""
    title = hit.title if product is None else product.title
    language = product.language if product is not None else "en"
    if not line.kind_confirmed:
        return RequirementCheck(requirement=f"is a {line.name}", kind="product", status="fails", weight=3.0,
                                evidence=f"title: {hit.title!r}; {line.kind_note or 'the product is unconfirmed'}")
    ok, why = same_kind(kind, line_words(concepts().get(line.concept) if line.concept else None, language, line.native)
                        + [line.name], title, language, hit.category)
    having = _has_feature(line.without, title, language, product) if ok else None
    if having:
        ok, why = False, f"{why}; but the record names {having}, and the buyer asked for one without it"
    return RequirementCheck(requirement=f"is a {line.name}", kind="product", status="met" if ok else "fails", weight=3.0,
                            evidence=f"title: {hit.title!r}; {why}")


def _has_feature(without: list[str], title: str, language: str, product: Product | None) -> str | None:
    """What of ``without`` (concept names) the record names, in its title or an attribute's name ('motor' = 350 W)."""
    for name in without:
        concept = concepts().get(name)
        if concept is None:
            continue
        if concept in title_concepts(title, language):
            return f"'{name}' in its title"
        attribute = next((a for a in (product.attributes if product else []) if concept.head in fold(a.name).split()), None)
        if attribute is not None:
            return f"attribute {attribute.name} = {attribute.value}{(' ' + attribute.unit) if attribute.unit else ''}"
    return None


def _find_attribute(spec: Spec, product: Product | None):
    """The record's attribute for a spec: same name ('power'), else a name containing it of the same kind
    ('color' -> 'frame color', not 'color temperature'), else a number in a unit of the same kind
    (9 W -> the attribute in W or kW, whatever its name), else None."""
    numeric = isinstance(spec.value, float)
    base = to_base(1, spec.unit)[1]

    def same_kind(a) -> bool:
        if numeric:
            return isinstance(a.value, int | float) and not isinstance(a.value, bool) and to_base(1, a.unit)[1] == base
        return isinstance(a.value, str)

    attrs = product.attributes if product else []
    wanted = spec.name.lower()
    return (next((a for a in attrs if a.name.lower() == wanted), None)
            or next((a for a in attrs if (wanted in a.name.lower() or a.name.lower() in wanted) and same_kind(a)), None)
            or next((a for a in attrs if numeric and spec.unit and same_kind(a)), None))


def _spec_check(spec: Spec, product: Product | None) -> RequirementCheck:
    label = f"{spec.name} {spec.op} {spec.value:g}{spec.unit or ''}" if isinstance(spec.value, float) else f"{spec.name} = {spec.value}"
    attr = _find_attribute(spec, product)
    if attr is None:
        text = f"{product.title} {product.description}".lower() if product else ""
        value = spec_label(spec).lower()
        if value and (value in text or value.replace(" ", "") in text.replace(" ", "")):
            return RequirementCheck(requirement=label, kind="spec", status="met", evidence=f"text mentions {value!r}")
        return RequirementCheck(requirement=label, kind="spec", status="unknown", evidence=f"record has no {spec.name!r} attribute")
    shown = f"attribute {attr.name} = {attr.value}{(' ' + attr.unit) if attr.unit else ''}"
    if isinstance(spec.value, float) and isinstance(attr.value, int | float) and not isinstance(attr.value, bool):
        (want, want_unit), (have, have_unit) = to_base(spec.value, spec.unit), to_base(float(attr.value), attr.unit)
        if spec.unit and attr.unit and want_unit != have_unit:
            return RequirementCheck(requirement=label, kind="spec", status="unknown", evidence=f"{shown} (another unit)")
        ok = have >= want if spec.op == ">=" else have <= want if spec.op == "<=" else abs(have - want) <= 1e-9 * max(1, want)
        close = abs(have - want) <= 0.1 * max(abs(want), 1e-9)
        return RequirementCheck(requirement=label, kind="spec", status="met" if ok else "partial" if close else "fails", evidence=shown)
    ok = str(spec.value).lower() in str(attr.value).lower()
    return RequirementCheck(requirement=label, kind="spec", status="met" if ok else "fails", evidence=shown)


def line_kind(line: LedgerLine) -> Kind:
    concept = concepts().get(line.concept) if line.concept else None
    head = concept.head if concept else (line.name.split()[-1].lower().rstrip("s") if line.name.split() else None)
    return Kind(tuple(line.categories), tuple(line.hs_codes), line.concept, head, line.kind_note or "")


def score_offer(line: LedgerLine, ledger: Ledger, hit: SearchHit, product: Product | None, supplier: Supplier | None,
                fx: dict[str, float]) -> Option:
    checks = [product_check(line, hit, product, line_kind(line))]
    moq_ok = hit.moq <= line.quantity
    checks.append(RequirementCheck(requirement=f"quantity {line.quantity:,} >= MOQ", kind="quantity", hard=True, weight=2.0,
                                   status="met" if moq_ok else "fails", evidence=f"MOQ {hit.moq:,}"))
    unit_price = hit.unit_price
    if line.max_unit_price is not None:
        price = convert(unit_price, hit.currency, line.currency, fx) if unit_price is not None else None
        if price is None:
            checks.append(RequirementCheck(requirement=f"unit price <= {line.max_unit_price:g} {line.currency}", kind="price", hard=True,
                                           weight=2.0, status="unknown", evidence=f"price in {hit.currency} cannot be converted"))
        else:
            checks.append(RequirementCheck(requirement=f"unit price <= {line.max_unit_price:g} {line.currency}", kind="price", hard=True,
                                           weight=2.0, status="met" if price <= line.max_unit_price * (1 + 1e-9) else "fails",
                                           evidence=f"{unit_price:g} {hit.currency} at quantity {line.quantity:,}"))
    held = {c.lower() for c in hit.certifications}
    for cert in line.certifications:
        checks.append(RequirementCheck(requirement=cert, kind="certification", hard=True,
                                       status="met" if cert.lower() in held else "unknown",
                                       evidence=f"certifications: {', '.join(hit.certifications) or 'none listed'}"))
    country = hit.supplier_country
    if ledger.supplier_countries or ledger.exclude_countries:
        ok = (not ledger.supplier_countries or country in ledger.supplier_countries) and country not in ledger.exclude_countries
        wanted = " or ".join(ledger.supplier_countries) if ledger.supplier_countries else "not " + "/".join(ledger.exclude_countries)
        checks.append(RequirementCheck(requirement=f"supplier country {wanted}", kind="country", hard=True,
                                       status="met" if ok else "fails", evidence=f"supplier country {country or 'unknown'}"))
    if ledger.destination_country and supplier is not None:
        markets = supplier.export_markets
        dest = ledger.destination_country
        checks.append(RequirementCheck(requirement=f"exports to {dest}", kind="export", weight=0.5,
                                       status="met" if dest in markets or supplier.country == dest else "unknown",
                                       evidence=f"export markets on record: {', '.join(markets) or 'none'}"
                                                + ("" if dest in markets or supplier.country == dest else f" (not {dest})")))
    if ledger.verified_only:
        checks.append(RequirementCheck(requirement="verified supplier", kind="verified", hard=True,
                                       status="met" if hit.verified else "fails", evidence=f"verified: {hit.verified}"))
    if ledger.max_lead_time_days is not None:
        lead = hit.lead_time_days
        checks.append(RequirementCheck(requirement=f"lead time <= {ledger.max_lead_time_days} days", kind="lead_time",
                                       status="unknown" if lead is None else "met" if lead <= ledger.max_lead_time_days else "fails",
                                       evidence="no lead time on record" if lead is None else f"lead time {lead} days"))
    if ledger.incoterm:
        inc = hit.incoterm
        checks.append(RequirementCheck(requirement=f"Incoterm {ledger.incoterm}", kind="incoterm", weight=0.5,
                                       status="unknown" if inc is None else "met" if inc == ledger.incoterm else "partial",
                                       evidence=f"offered {inc}" if inc else "no Incoterm on record"))
    for spec in line.specs:
        checks.append(_spec_check(spec, product))
    if line.customization:
        can = supplier is not None and bool(set(supplier.capabilities) & {Capability.OEM, Capability.CUSTOM_LOGO, Capability.CUSTOM_PACKAGING})
        checks.append(RequirementCheck(requirement=f"customization: {line.customization}", kind="spec", weight=0.5,
                                       status="met" if can else "unknown",
                                       evidence=f"supplier capabilities: {', '.join(c.value for c in supplier.capabilities) if supplier else 'unknown'}"))
    same = checks[0].status == "met"
    if same:
        total_weight = sum(c.weight for c in checks)
        match = sum(c.weight * STATUS_VALUE[c.status] for c in checks) / total_weight
        hard_fail = any(c.hard and c.status == "fails" for c in checks)
        tier = 100 if all(c.status == "met" for c in checks) else 75 if match >= 0.75 and not hard_fail else 50 if match >= 0.5 else 0
    else:  # not the product: a fixed figure, so meeting more requirements never makes a wrong product look better
        match = RELATED_SAME_CATEGORY if hit.category in line.categories else RELATED_OTHER
        tier = 50 if match >= 0.5 else 0
    return Option(offer_id=hit.offer_id, product_id=hit.product_id, supplier_id=hit.supplier_id, title=hit.title,
                  supplier_name=hit.supplier_name, supplier_country=country, unit_price=unit_price, currency=hit.currency,
                  total=round(unit_price * line.quantity, 2) if unit_price is not None else None, moq=hit.moq,
                  lead_time_days=hit.lead_time_days, incoterm=hit.incoterm, certifications=hit.certifications,
                  match=round(match, 4), tier=tier, requirements=checks, same_product=same)


def adequate(option: Option) -> bool:
    """At least 75% met, no hard requirement failing, and it is the product asked for (not merely similar)."""
    return (option.same_product and option.tier >= 75 and option.requirements[0].status == "met"
            and not any(c.hard and c.status == "fails" for c in option.requirements))
