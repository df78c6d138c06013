"""The rebuttal letter: sentences composed from the evidence, each citing the items it rests on, and the check that
each claim is what its items say.

``check`` refuses a letter where a sentence makes a claim without citing an item, cites an item that does not
exist, or carries a number, date, amount, id, tracking number, IP address or email that none of its cited items
contains. A letter a served model rewrites, or a template someone edits, cannot slip an invented fact past it.
"""

from __future__ import annotations

import re

from pydantic import BaseModel, Field

from ...shop.disputes import Dispute
from .evidence import Evidence
from .routing import CATEGORIES

TOKEN = re.compile(r"[#A-Za-z]*\d[\w.:/@#+-]*\w|\d")  # anything with a digit: amounts, dates, ids, tracking numbers, IPs
BOILERPLATE = ("We ask that the dispute be decided in our favour.", "The records cited are in the attached evidence pack.")
TITLES = {"fraud": "the cardholder did not authorise the payment", "authorization": "the payment was not authorised",
          "processing_error": "the payment was processed in error", "not_received": "the goods were not received",
          "not_as_described": "the goods were not as described", "credit_not_processed": "a refund was not processed",
          "cancelled": "the order was cancelled", "duplicate": "the payment was taken twice"}
assert set(TITLES) == set(CATEGORIES)


class Sentence(BaseModel):
    text: str
    cites: list[str] = Field(default_factory=list)


class Letter(BaseModel):
    dispute_id: str
    sentences: list[Sentence]

    @property
    def text(self) -> str:
        return "\n".join(s.text + (f" [{', '.join(s.cites)}]" if s.cites else "") for s in self.sentences)


def _tokens(text: str) -> list[str]:
    return [t.rstrip(".,;:") for t in TOKEN.findall(text)]


def check(letter: Letter, evidence: Evidence) -> list[str]:
    """Every problem with the letter's claims (empty: each claim is cited and found in what it cites)."""
    items = {i.id: i for i in evidence.items}
    problems = []
    for n, s in enumerate(letter.sentences, 1):
        if s.text in BOILERPLATE and not s.cites:
            continue
        if not s.cites:
            problems.append(f"sentence {n} makes a claim without citing evidence: {s.text!r}")
            continue
        unknown = [c for c in s.cites if c not in items]
        if unknown:
            problems.append(f"sentence {n} cites {', '.join(unknown)}, which the evidence does not have")
            continue
        found = {t.lower() for c in s.cites for t in _tokens(f"{items[c].source} {items[c].title} {' '.join(items[c].facts)} {items[c].text}")}
        for token in _tokens(s.text):
            t = token.lower()
            if not any(h == t or h.startswith(t + "t") for h in found):  # a date may cite a timestamp's day
                problems.append(f"sentence {n}: {token!r} is not in {', '.join(s.cites)}")
    return problems


def compose(dispute: Dispute, evidence: Evidence) -> Letter:
    """The letter from the facts of the evidence, for the dispute's category."""
    out: list[Sentence] = []

    def say(text: str, *items) -> None:
        cites = [i.id for i in items if i is not None]
        if cites:
            out.append(Sentence(text=text, cites=cites))

    order, customer = evidence.item("order"), evidence.item("customer")
    ship = next((i for i in evidence.items if i.kind == "shipment" and "delivered" in i.facts), evidence.item("shipment"))
    policy, refunds, prior, ce3 = evidence.item("policy"), evidence.item("refunds"), evidence.item("prior"), evidence.item("ce3")
    category = evidence.route.category
    first = evidence.item("dispute")
    say(f"Dispute {dispute.id} of {dispute.amount} {dispute.currency} says {TITLES[category]}"
        + (f" (network reason code {dispute.network_reason_code})." if dispute.network_reason_code else "."), first)
    if order is None:
        out.append(Sentence(text=BOILERPLATE[1]))
        return Letter(dispute_id=dispute.id, sentences=out)
    f = order.facts
    say(f"Order {f['order']} was placed on {f['placed']} for {f['total']} and paid {f['paid']}.", order)
    if category in ("fraud", "authorization") and f.get("customer IP"):
        say(f"It was placed from IP address {f['customer IP']}" + (f" on device {f['device']}." if f.get("device") else "."), order)
    if category == "fraud" and customer is not None:
        say(f"The account holder is {customer.facts['name']} ({customer.facts['email']}), and the order was shipped to "
            f"{customer.facts['shipping address']}.", customer)
    if category in ("fraud", "not_received") and ship is not None:
        s = ship.facts
        if s.get("tracking number"):
            say(f"{s.get('carrier', 'The carrier')} carried it under tracking number {s['tracking number']}"
                + (f", shipped on {s['shipped'][:10]}." if s.get("shipped") else "."), ship)
        if s.get("delivered"):
            where = (f" in {s['delivered at']}, the order's shipping city" if evidence.address_match else
                     f" in {s['delivered at']}" if s.get("delivered at") else "")
            say(f"The carrier scanned it delivered on {s['delivered'][:10]}{where}.", ship)
            if evidence.signed and s.get("delivery note"):
                say(f"The delivery scan records: {s['delivery note']}.", ship)
    if category in ("not_as_described", "credit_not_processed", "cancelled"):
        for p in (i for i in evidence.items if i.kind == "product"):
            say(f"{p.facts['product']} was listed as: " + "; ".join(f"{k} {v}" for k, v in p.facts.items() if k not in ("product", "category")) + ".", p)
        if policy is not None:
            say(f"The after-sales policy in force when the order was placed (version {policy.facts['version']}) allows returns within "
                f"{policy.facts['return window days']} days of delivery.", policy)
    if category in ("not_as_described", "credit_not_processed", "cancelled", "processing_error", "duplicate") and refunds is not None:
        say(f"Refunded for this order so far: {refunds.facts['refunded in all']}.", refunds)
    if category == "cancelled":
        say(f"The order's status is {f['status']}.", order)
    twin = evidence.item("twin")
    if category == "duplicate" and twin is not None:
        say(f"Order {twin.facts['order']}, placed on {twin.facts['placed']} for {twin.facts['total']}, is a separate order.", twin)
    if category == "fraud" and prior is not None:
        clean = [k for k, v in prior.facts.items() if v.endswith("not disputed") or ", not disputed" in v]
        if clean:
            say(f"The same customer's earlier orders {', '.join(clean)} were not disputed.", prior)
    if ce3 is not None and evidence.ce3.eligible:
        say("The dispute qualifies for Visa Compelling Evidence 3.0: earlier undisputed orders "
            + "; ".join(evidence.ce3.qualifying) + ".", ce3, prior)
    talks = [i for i in evidence.items if i.kind == "communication"]
    if talks:
        say("The customer wrote to us about this account: " + ", ".join(t.source for t in talks) + ".", *talks)
    out.append(Sentence(text=BOILERPLATE[1]))
    out.append(Sentence(text=BOILERPLATE[0]))
    return Letter(dispute_id=dispute.id, sentences=out)
