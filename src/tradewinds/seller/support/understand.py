"""A customer's message read into requests, grounded in their own records, without a model.

Who they are: an email, or a postal code whose customers' first and last names both appear in the message. What they
ask for: cue words (``cues.toml``) in clauses, each clause resolved against the customer's orders (an order id as
written, with or without '#', else the one order that fits), the items they name, the variant they want, the payment
method they name and the policy's cancel reasons. What the words leave open is left open (``Request.problem``): the
dialogue manager asks, or hands off. The model (``guided.py``) is asked only what cue words cannot say.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ...shop.policy import AfterSalesPolicy
from ...shop.repository import ShopRepository
from ...shop.schemas import Customer, Order, Product
from . import cues
from ...lang.text import boundary_pattern, fold
from .matching import (AFTER, BEFORE, ZIP, Target, find_address, norm, option_hits, payment_in, pick_items, prefer, product_mentions,
                       target_variant)
from .schemas import Request

EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")
# what each cue concept asks for, strongest first when several are said together ("change the address")
INTENTS = ("human", "policy", "default_address", "address", "payment", "cancel", "return", "exchange", "modify", "refund", "status",
           "product_question")
CLAUSE_END = re.compile(r"[;；!?。！？\n]|\.(?=\s|$)")


def identify(shop: ShopRepository, text: str) -> tuple[str, str] | None:
    """(customer id, how) when the message names one customer: their email, or a postal code plus both their names."""
    for email in EMAIL.findall(text):
        if (cid := shop.find_customer(email=email.rstrip("."))) is not None:
            return cid, "email"
    folded = norm(text)
    for z in dict.fromkeys(ZIP.findall(text)):
        found = [cid for cid, first, last in shop.customers_at_zip(z)
                 if re.search(BEFORE + re.escape(norm(first)) + AFTER, folded) and re.search(BEFORE + re.escape(norm(last)) + AFTER, folded)]
        if len(found) == 1:
            return found[0], "name+zip"
    return None


def claims_identity(text: str) -> bool:
    """The message gives an email or a postal code: someone saying who they are."""
    return bool(EMAIL.search(text)) or bool(ZIP.search(text)) and bool(re.search(r"zip|postal|post code|postcode|邮编|우편|البريد|código postal|codigo postal", norm(text)))


@dataclass
class _Draft:
    intent: str
    text: str  # folded: the same length as the original
    original: str
    orders: list[str] = field(default_factory=list)
    refs: list[str] = field(default_factory=list)


def _order_mentions(text: str, orders: list[Order]) -> list[tuple[int, str, bool]]:
    """(position, order id, is a reference like 'same as #W1') for each of the customer's orders named in ``text``."""
    out = []
    for o in orders:
        bare = re.escape(norm(o.id).lstrip("#"))
        for m in re.finditer(rf"{BEFORE}#?{bare}{AFTER}", text):
            out.append((m.start(), o.id, _is_reference(text, m.start(), m.end())))
    return sorted(out)


def _is_reference(text: str, start: int, end: int) -> bool:
    """An order named as where something comes from ('the same address as #W1', 'la misma dirección que el #W1',
    '#W1 주문과 동일하게'): a 'same' word shortly before it, or after it, with no other order id or clause end between."""
    before = re.split(r"[,;:，；。、.!?]|#?w\d{5,}", text[max(0, start - 45):start])[-1]
    after = re.split(r"[,;:，；。、.!?]|#?w\d{5,}", text[end:end + 16])[0]
    return bool(cues.find("same_as", before)) or cues.present("same_as_after", after)


def _intents(clause: str) -> list[cues.Hit]:
    """Intent cues in a clause, negated ones dropped ("when I return", "I don't want to cancel"), nearby ones merged."""
    # a verb inside parentheses describes the item ('(30-50 lbs, قابل للتعديل)': adjustable), it asks nothing
    inside = [m.span() for m in re.finditer(r"[(（][^)）]*[)）]", clause)]
    hits = [h for concept in INTENTS for h in cues.find(concept, clause)
            if not (concept in ("modify", "exchange", "cancel", "return") and any(x < h.start < y for x, y in inside))]
    hits = [h for h in hits if not any(o.start <= h.start and h.end <= o.end and o.end - o.start > h.end - h.start for o in hits)]
    orders = cues.find("order_words", clause)  # 'el pedido donde está la silla': where it is, in a relative clause
    hits = [h for h in hits if not (h.concept == "status" and any(
        0 <= h.start - o.end <= 14 and not re.search(r"[,.;:!?，。；：]", clause[o.end:h.start]) for o in orders))]
    negations = cues.find("not_request", clause)
    hits = [h for h in hits if not any(n.end <= h.start and h.start - n.end <= 12 and not _overlaps(n, hits, h)
                                       and not PAUSE.search(clause, n.end, h.start) for n in negations)]  # '不想要了，麻烦取消'
    hits.sort(key=lambda h: h.start)
    groups: list[list[cues.Hit]] = []
    for h in hits:  # near each other and not across a pause: one request said with several words
        last = max(g.end for g in groups[-1]) if groups else 0
        if groups and h.start - last < 25 and not (h.concept != groups[-1][-1].concept and PAUSE.search(clause, last, h.start)):
            groups[-1].append(h)
        else:
            groups.append([h])
    picked = [min(g, key=lambda h: INTENTS.index(h.concept)) for g in groups]
    merged: list[cues.Hit] = []
    for h in picked:  # "주소를 ... 바꿔 주세요", "the address ... the same address as": one request, its verb at the end
        if merged and merged[-1].concept in ("address", "default_address", "payment") \
                and h.concept in ("modify", "exchange", merged[-1].concept) \
                and not (h.concept in ("modify", "exchange") and PAUSE.search(clause, merged[-1].end, h.start)):  # '... instead of
            continue
        merged.append(h)
    return merged


def _overlaps(neg: cues.Hit, hits: list[cues.Hit], hit: cues.Hit) -> bool:
    """The negation is part of a cue phrase ("do not want to receive" is a way of saying cancel)."""
    return any(h.start <= neg.start < h.end for h in hits if h is not hit) or hit.start <= neg.start < hit.end


def _masked(folded: str, orders: list[Order]) -> str:
    """``folded`` with the option names of the customer's items blanked out, so 'switch type' asks for nothing."""
    names = sorted({fold(k) for o in orders for i in o.items for k in i.options}, key=len, reverse=True)
    for name in names:
        folded = re.sub(boundary_pattern(name), lambda m: " " * len(m.group(0)), folded)
    return folded


VERB_FINAL = re.compile(r"[\uac00-\ud7af\u3040-\u30ff]")  # Korean, Japanese: the request's verb ends it
PAUSE = re.compile(r"[,，、،]|\s(?:and|y|et|und|e|then|also)\s|和|并且|然后|그리고|\sو")


def drafts(text: str, orders: list[Order], wants_change=None) -> list[_Draft]:
    """The message cut into one piece per thing asked, each with the orders it names: clauses at sentence ends and
    semicolons, a clause with several requests at the last comma or "and" before each next one ("cancel #W1, I don't
    need it, and #W2 was a mistake, cancel it too"); a piece that names no order is about the last one named. A refund
    said beside a return or a cancellation is how that one is paid back, not a request of its own. A clause with no
    request word that names an item and another of its options ("I'd like the sunglasses in black") asks to change
    it (``wants_change(clause, order_ids)`` says so, from the records)."""
    folded = fold(text)
    masked = _masked(folded, orders)
    spans, start = [], 0
    for m in CLAUSE_END.finditer(folded):
        spans.append((start, m.end()))
        start = m.end()
    spans.append((start, len(folded)))
    out: list[_Draft] = []
    context: list[str] = []
    dropped: int | None = None  # where the clause just before began, when it asked nothing and went nowhere
    for a, b in spans:
        clause = folded[a:b]
        if not clause.strip():
            continue
        if dropped is not None and not _intents(masked[a:b]) and wants_change is not None and not wants_change(
                clause, context or [o.id for o in orders]) and wants_change(folded[dropped:b], context or [o.id for o in orders]):
            a, clause = dropped, folded[dropped:b]  # 'I have a gold 8-inch tablet; I want it in 7 inches and black': one request
        elif dropped is not None and _intents(masked[a:b]) and not _named(clause, orders) and _named(folded[dropped:a], orders):
            a, clause = dropped, folded[dropped:b]  # 'La cafetera que me llegó no me convence; quiero cambiarla por ...': 'it' 
        dropped = None
        mentions = _order_mentions(clause, orders)
        named = [oid for _, oid, ref in mentions if not ref]
        refs = [oid for _, oid, ref in mentions if ref]
        groups = _intents(masked[a:b]) or cues.find("product_question", clause)[:1]  # 'what color is ...': options are masked
        if wants_change is not None:  # 'instead of' asks for an exchange only beside what is wanted instead ('بدل حساب آخر')
            instead = cues.find("instead", clause)
            groups = [g for g in groups if not (g.concept == "exchange" and any(h.start <= g.start < h.end for h in instead)
                                                and not wants_change(clause, context or [o.id for o in orders]))]
        groups = [g for n, g in enumerate(groups) if not (n and g.concept == groups[n - 1].concept and cues.find(
            "the_other", clause[groups[n - 1].end:g.start]))]  # 'one to ceramic, the other one to 1.5 liters': one request
        continues = bool(out) and out[-1].intent in ("modify", "exchange") and set(named) <= set(out[-1].orders)
        if not groups and not continues and wants_change is not None and wants_change(
                clause, list(dict.fromkeys(named)) or context or [o.id for o in orders]):  # 'las botas ... las quiero en talla 8'
            groups = [cues.Hit("modify", 0, 0)]
        if not groups or (len(groups) == 1 and out and set(named) <= set(out[-1].orders) and (
                (groups[0].concept == "refund" and out[-1].intent in ("return", "cancel", "refund"))
                # 'if there is a difference, I pay it with PayPal': how the exchange before is paid
                or (groups[0].concept == "payment" and out[-1].intent in ("exchange", "modify") and cues.present("difference", clause)))):
            if named and not groups:
                context = list(dict.fromkeys(named))
            if named and not groups and out and not out[-1].orders and out[-1].intent not in ("status", "policy", "human",
                                                                                               "product_question"):
                out[-1].orders = list(dict.fromkeys(named))  # "I want to cancel three orders. #W1 and #W2 ..., #W3 ..."
                named = []
            if out and (not named or groups):
                out[-1].text += " " + clause
                out[-1].original += " " + text[a:b]
                out[-1].refs += refs
            elif not out:
                dropped = a
            continue
        cuts = [0]
        verb_last = VERB_FINAL.search(clause) is not None  # '주소를 ... 해 주시고, Helmet은 ..., Kettle은 ... 바꿔 주세요'
        for prev, g in zip(groups, groups[1:]):
            pauses = [m.end() for m in PAUSE.finditer(clause, prev.end, g.start)]
            # a refund phrase ends at its own comma: '... #W1, con reembolso a X, y la camiseta del pedido #W2, con reembolso a Y'
            cuts.append((pauses[0] if verb_last or prev.concept == "refund" else pauses[-1]) if pauses else g.start)
        cuts.append(len(clause))
        for g, (s0, e0) in zip(groups, zip(cuts, cuts[1:])):
            own = list(dict.fromkeys(oid for pos, oid, ref in mentions if s0 <= pos < e0 and not ref))
            piece_refs = [oid for pos, oid, ref in mentions if s0 <= pos < e0 and ref]
            if g.concept == "refund" and out and out[-1].intent in ("return", "cancel") and (not own or own == out[-1].orders):
                out[-1].text += " " + clause[s0:e0]
                out[-1].original += " " + text[a + s0:a + e0]
                continue
            out.append(_Draft(g.concept, clause[s0:e0], text[a + s0:a + e0], own or list(context), piece_refs))
            if own:
                context = own
        if named:
            context = list(dict.fromkeys(named))[-1:] if len(set(named)) > 1 else list(dict.fromkeys(named))
    return out


def _named(text: str, orders: list[Order]) -> bool:
    """The text names one of the customer's products."""
    return any(product_mentions(norm(text), o.items) for o in orders)


def _about(d: _Draft, order_id: str, orders: list[Order], *, to_end: bool = False) -> tuple[str, str]:
    """The part of a piece about one of the several orders it names (from that order's id to the next one's, or with
    ``to_end`` to the piece's end), folded and original; the whole piece when it names one order."""
    if len(d.orders) < 2:
        return d.text, d.original
    at = sorted((pos, oid) for pos, oid, ref in _order_mentions(d.text, orders) if not ref)
    starts = [pos for pos, oid in at if oid == order_id]
    if not starts:
        return d.text, d.original
    by_id = {o.id: o for o in orders}
    if product_mentions(d.text[:at[0][0]], by_id[at[0][1]].items):  # 'X e Y del pedido #W1, ..., y Z del pedido #W2': ids last
        spans, start = {}, 0
        for k, (pos, oid) in enumerate(at):
            end = len(d.text)
            if k + 1 < len(at):
                after_id = pos + len(re.match(r"#?\w+", d.text[pos:]).group(0))
                nxt, nxt_id = at[k + 1]
                named = product_mentions(d.text[after_id:nxt], by_id[nxt_id].items)
                first = after_id + named[0].start if named else nxt
                pauses = [m.start() for m in PAUSE.finditer(d.text, after_id, first)]
                end = pauses[-1] if pauses else first
            spans.setdefault(oid, (start, end))
            start = end
        s0, e0 = spans[order_id]
        e0 = len(d.text) if to_end else e0
        return d.text[s0:e0], d.original[s0:e0]
    s0 = starts[0]
    later = [pos for pos, _ in at if pos > s0]
    e0 = later[0] if later and not to_end else len(d.text)
    return d.text[s0:e0], d.original[s0:e0]


SUITS = {"cancel": ("pending",), "modify_items": ("pending",), "order_address": ("pending",), "order_payment": ("pending",),
         "return": ("delivered",), "exchange": ("delivered",)}


def _kind(intent: str, order: Order | None) -> str:
    status = order.status if order else ""
    if intent in ("exchange", "modify"):
        return "exchange" if status == "delivered" else "modify_items"
    if intent == "refund":
        return "return" if status == "delivered" else "cancel"
    if intent == "cancel" and status == "delivered":
        return "return"  # what a customer means by cancelling what they already have
    return {"address": "order_address", "default_address": "customer_address", "payment": "order_payment",
            "product_question": "product"}.get(intent, intent)


def cancel_reason(text: str, policy: AfterSalesPolicy) -> str | None:
    """The policy's cancel reason the words give first, or None (then the model or the customer is asked)."""
    folded = norm(text)
    found = [(m.start(), reason) for reason in policy.cancel_reasons if (m := re.search(re.escape(norm(reason)), folded))]
    mistake = next((r for r in policy.cancel_reasons if "mistake" in r or "error" in r), None)
    needed = next((r for r in policy.cancel_reasons if "need" in r), None)
    for reason, concept in ((mistake, "reason_mistake"), (needed, "reason_not_needed")):
        if reason and (hits := cues.find(concept, folded)):
            found.append((hits[0].start, reason))
    return min(found)[1] if found else None


def read_requests(text: str, customer: Customer, orders: list[Order], products: dict[str, Product],
                  policy: AfterSalesPolicy) -> list[Request]:
    """Every request in the message, resolved against the customer's records (what is left open says why)."""
    by_id = {o.id: o for o in orders}
    whole = norm(text)
    out: list[Request] = []
    def wants_change(clause: str, order_ids: list[str]) -> bool:
        """The clause names an item and other options than it has, and not what another of their items has ('the
        skateboard I received, the plastic 28 inch one' describes the one they have, beside another skateboard)."""
        said, differs = norm(clause), False
        for o in (by_id[i] for i in order_ids if i in by_id):
            for item, wants, before in pick_items(said, o, products):
                product = products.get(item.product_id)
                target = target_variant(product, item.options, wants, before) if product else None
                if target is not None and target.wanted and option_hits(wants, product):  # a value named, not only 'less'
                    if all(item.options.get(k) == v for k, v in target.wanted.items()):
                        return False
                    differs = True
        return differs

    folded, cursor = fold(text), 0
    for d in drafts(text, orders, wants_change):
        at = folded.find(d.text[:40].strip(), cursor)
        cursor = max(cursor, at)
        rest = norm(folded[at:]) if at >= 0 else whole  # 'X to 9 bar, Y to 10, these two with paypal': named after it
        kind = _kind(d.intent, None)
        if d.intent == "address" and not d.orders and d.refs and find_address(d.original):  # 'the address of #W2 to 12 Elm St'
            d.orders, d.refs = d.refs[:1], d.refs[1:]  # a new address written: the order named is the one to change
        found = d.orders or [o.id for o in _orders_for(kind, norm(d.text), orders)]
        if not found and len(fits := _orders_for(kind, whole, orders)) == 1:  # 'I have an order with X and Y. ... Cancel it'
            found = [fits[0].id]
        for oid in found or [None]:
            order = by_id.get(oid) if oid else None
            kind = _kind(d.intent, order)
            part = d if oid is None or not d.orders else _Draft(d.intent, *_about(d, oid, orders), d.orders, d.refs)
            after = _about(d, oid, orders, to_end=True)[0] if oid and d.orders else None
            r = _resolve(kind, part, order, whole, customer, orders, products, policy, after, rest)
            if r.problem and part is not d:  # what the order's own words leave open, the whole piece may say
                r = _resolve(kind, d, order, whole, customer, orders, products, policy, after, rest)
                own = payment_in(norm(part.text), customer)  # 'X del pedido #W1, a credit_card; y Y del pedido #W2, a gift_card'
                if own is not None and r.kind in ("return", "exchange", "modify_items"):
                    r.payment_method_id = own.id
            out.append(r)
    return _merge(out)


def _every_order(text: str) -> bool:
    """'All my pending orders', '所有待处理的订单', '대기 중인 주문을 모두': an 'all' word within a few words of an order word."""
    if cues.present("all_orders", text):
        return True
    orders = cues.find("order_words", text)
    return any(abs(a.start - o.start) <= 16 for a in cues.find("all_items", text) for o in orders)


def _orders_for(kind: str, text: str, orders: list[Order]) -> list[Order]:
    """No order named: the orders the words point to, among those whose status suits the request (or the status the
    customer says: 'my pending boots', 'the watch I received'). The orders that have the products named, when each
    product named is in one of them, or 'all' is said; with no product named, every such order when 'all' is said
    ('cancel all my pending orders'), else the only one. [] when that leaves a choice (the customer is asked)."""
    if kind == "status":  # 'where is my hoodie': the orders that have it
        return [o for o in orders if product_mentions(text, o.items)]
    if kind not in SUITS:
        return []
    statuses = set(SUITS[kind] + (("delivered",) if kind in ("cancel", "modify_items") else ("pending",) if kind in ("return", "exchange") else ()))
    pending, delivered = cues.present("said_pending", text), cues.present("said_delivered", text)
    if pending != delivered:
        statuses &= {"pending"} if pending else {"delivered"}
    fitting = [o for o in orders if o.status in statuses]
    every = _every_order(text)
    holders: dict[str, list[Order]] = {}
    alls = cues.find("all_items", text)
    for o in fitting:
        for m in product_mentions(text, o.items):
            holders.setdefault(m.product_id, [])
            if o not in holders[m.product_id]:
                holders[m.product_id].append(o)
            # 'all my pending t-shirts', '我所有还没发货的T恤', '티셔츠를 전부': every order that has the product
            every = every or any(abs(a.start - m.start) <= 20 for a in alls)
    if holders:
        if not every and any(len(h) > 1 for h in holders.values()):
            # several products named and one order holds them all: that one ('the order with the shelf, the bulb and the tablet')
            whole = [o for o in fitting if len(holders) > 1 and all(o in h for h in holders.values())]
            return whole if len(whole) == 1 else []
        return [o for o in fitting if any(o in h for h in holders.values())]
    if every:
        return fitting
    return fitting if len(fitting) == 1 else []


def _resolve(kind, d: _Draft, order: Order | None, whole: str, customer: Customer, orders: list[Order],
             products: dict[str, Product], policy: AfterSalesPolicy, after: str | None = None, rest: str = "") -> Request:
    r = Request(kind=kind, text=d.original.strip(), order_id=order.id if order else None)
    said = norm(d.text)
    if kind in ("status", "policy", "human", "product"):
        return r
    if kind == "customer_address" or kind == "order_address":
        ref = next((by for by in d.refs), None)
        address = find_address(d.original)
        if address is None and ref:
            source = next(o for o in orders if o.id == ref)
            address = source.address.model_dump()
        if address is None:
            r.problem = "address"
        r.address = address
        if kind == "order_address" and order is None:
            r.problem = r.problem or "order"
        return r
    if order is None:
        r.problem = "order"
        return r
    if kind == "cancel":  # its own words, else those after it ('#W1 and #W2 because I no longer need them'), else any
        r.reason = cancel_reason(said, policy) or cancel_reason(after or "", policy) or cancel_reason(whole, policy)
        if r.reason is None:
            r.problem = "reason"
        return r
    method = payment_in(said, customer) or payment_in(rest, customer) or payment_in(whole, customer)
    if kind == "order_payment":
        if method is None:
            r.problem = "payment"
        r.payment_method_id = method.id if method else None
        return r
    original = next((t.payment_method_id for t in order.transactions if t.kind == "payment"), None)
    r.payment_method_id = method.id if method else original
    if kind == "return":
        left_out = _left_out(said, order)  # 'everything except the pet bed', 'the chair I keep'
        picked = [p for p in pick_items(said, order, products) if p[0].item_id not in left_out]  # items named win over 'all'
        if not picked and (cues.present("all_items", said) or len(order.items) == 1 or _excepted(said, order)):
            picked = [p for p in pick_items(said, order, products, all_items=True) if p[0].item_id not in left_out]
        r.item_ids = [i.item_id for i, _, _ in picked]
        if not r.item_ids:
            r.problem = "items"
        return r
    left_out = _left_out(said, order)
    picked = [p for p in pick_items(said, order, products) if p[0].item_id not in left_out]
    if not picked and len(order.items) == 1:
        picked = [(order.items[0], said, "")]
    for item, wants, before in picked:
        product = products.get(item.product_id)
        keep = cues.find("no_change", wants)
        for h in keep:  # "no change" names no option value ('no' is one)
            wants = wants[:h.start] + " " * (h.end - h.start) + wants[h.end:]
        target = target_variant(product, item.options, wants, before) if product else None
        if target is not None and target.problem == "nothing asked" and keep:
            r.item_ids.append(item.item_id)
            r.new_item_ids.append(item.item_id)
            continue
        if target is not None and target.problem == "ambiguous":  # 'if there are several colours, black': a preference
            target = prefer(target, option_hits(said, product), item.options)
        if target is not None and target.variant is not None and target.variant.item_id == item.item_id:
            target = Target(None, target.wanted, problem="nothing asked")  # what they named is what they have
        if target is None or target.variant is None:
            r.problem = f"variant:{item.item_id}:{target.problem if target else 'unknown product'}"
            return r
        r.item_ids.append(item.item_id)
        r.new_item_ids.append(target.variant.item_id)
    if not r.item_ids:
        r.problem = "items"
    return r


def _excepted(said: str, order: Order) -> set[str]:
    """Items the customer left out: named after an 'except' word ('everything except the pet bed', 'todo excepto la cama', '除了宠物床')
    up to the end of the sentence or a colon (what follows it lists what is meant: 'todo menos la cafetera: la silla y ...'),
    or right before a Korean one ('반려동물 침대 빼고')."""
    mentions = product_mentions(said, order.items)
    out: set[str] = set()
    for h in cues.find("except", said):
        end = min((m.start() for m in re.finditer(r"[.;:!?。；：！？]", said[h.end:])), default=len(said) - h.end) + h.end
        out |= {m.product_id for m in mentions if h.end <= m.start < end}
    for h in cues.find("except_after", said):
        out |= {m.product_id for m in mentions if 0 <= h.start - m.end <= 3}
    return {i.item_id for i in order.items if i.product_id in out}


REQUEST_WORDS = ("return", "exchange", "modify", "refund", "cancel")
PAUSE_MARK = re.compile(r"[,;:.!?，；：。！？、،]")


def _kept(said: str, order: Order) -> set[str]:
    """Items the customer says they keep: named between a keep word and the next pause or request word ('I'll keep the
    lamp', 'me quedo con la silla'), else between the pause or request word before it and the keep word ('la silla y el
    ratón me los quedo', '椅子和鼠标留着', 'أما الكرسي فسأحتفظ به', '의자는 그냥 쓸게요')."""
    mentions = product_mentions(said, order.items)
    marks = [m.span() for m in PAUSE_MARK.finditer(said)] + [(h.start, h.end) for c in REQUEST_WORDS for h in cues.find(c, said)]
    out: set[str] = set()
    for h in cues.find("keep", said):
        end = min((a for a, _ in marks if a >= h.end), default=len(said))
        named = {m.product_id for m in mentions if h.end <= m.start < end}
        if not named:
            start = max((b for _, b in marks if b <= h.start), default=0)
            named = {m.product_id for m in mentions if start <= m.start < h.start}
        out |= named
    return {i.item_id for i in order.items if i.product_id in out}


def _companions(said: str, order: Order) -> set[str]:
    """Items named only to say which one is meant: 'the bottle I bought together with the laptop', 'la botella que
    compré junto con el portátil', '和笔记本电脑一起买的水壶', '노트북이랑 같이 산 물병', 'التي اشتريتها مع اللابتوب'."""
    out: set[str] = set()
    for m in product_mentions(said, order.items):
        before, after = said[max(0, m.start - 40):m.start], said[m.end:m.end + 16]
        if any(len(before) - h.end <= 6 for h in cues.find("together", before)) or any(
                h.start <= 4 and not cues.present("order_words", after[h.end:h.end + 5])  # '같이 온 주문': the order's items
                for h in cues.find("together_after", after)):  # '노트북이랑 같이 산': a particle between
            out.add(m.product_id)
    return {i.item_id for i in order.items if i.product_id in out}


def _left_out(said: str, order: Order) -> set[str]:
    """Items named but not asked for: excepted, kept, or named to say which other one is meant."""
    return _excepted(said, order) | _kept(said, order) | _companions(said, order)


def _merge(requests: list[Request]) -> list[Request]:
    """One action per order for items (the policy allows modifying an order's items once): their items together."""
    out: list[Request] = []
    for r in requests:
        same = next((o for o in out if r.kind in ("return", "modify_items", "exchange") and o.kind == r.kind
                     and o.order_id == r.order_id and o.problem is None and r.problem is None), None)
        if same is not None:
            for n, item_id in enumerate(r.item_ids):
                if item_id not in same.item_ids:  # named twice ("the helmet ... refund the helmet to paypal"): once
                    same.item_ids.append(item_id)
                    if r.new_item_ids:
                        same.new_item_ids.append(r.new_item_ids[n])
            same.text += " " + r.text
            continue
        if any(o.kind == r.kind and o.order_id == r.order_id and (r.kind in ("status", "policy", "human", "product") or o.params("") == r.params(""))
               for o in out):  # said twice ("change the address ... (the same address as #W1)"): asked once
            continue
        out.append(r)
    return out
