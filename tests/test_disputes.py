"""Chargeback defense: routing, evidence and Visa CE 3.0, a letter whose claims are checked (and a check that fails
on an invented price, an invented id, a wrong citation), fight or accept, webhooks signed and never replayed, the
pack, and submission to a local server that speaks Stripe's API, only after approval."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from urllib.parse import parse_qs

import pytest

from stand_in import JsonHandler, serve
from tradewinds.accounts import Actor, Role
from tradewinds.actions import ActionLedger
from tradewinds.db import open_database
from tradewinds.errors import BadInputError, ConflictError, UnauthenticatedError
from tradewinds.seller.disputes import letter as letters
from tradewinds.seller.disputes.demo import generate
from tradewinds.seller.disputes.routing import route
from tradewinds.seller.disputes.service import Disputes
from tradewinds.seller.disputes.stripe import sign, verify
from tradewinds.shop import ShopRepository
from tradewinds.shop.conversations import ConversationStore
from tradewinds.shop.demo import demo_shop
from tradewinds.shop.disputes import Dispute

OWNER = Actor(kind="user", id="olga", role=Role.owner)
CLERK = Actor(kind="user", id="carl", role=Role.operator)
NOW = datetime.now(UTC)


def _dispute(**kw) -> Dispute:
    base = dict(id="dp_1", order_id=None, amount=Decimal("50.00"), currency="USD", reason="general", status="needs_response",
                network_reason_code=None, card_brand="visa", created_at=NOW.isoformat(), due_by=(NOW + timedelta(days=7)).isoformat())
    return Dispute(**{**base, **kw})


@pytest.fixture
def desk(tmp_path):
    engine = open_database(f"sqlite:///{tmp_path / 'tw.db'}")
    shop = ShopRepository(engine, "acme")
    people, products, orders = demo_shop(60, seed=3)
    shop.write(customers=people, products=products, orders=orders)
    return Disputes(engine, "acme", ledger=ActionLedger(engine))


# routing -----------------------------------------------------------------------------------------------------------
def test_reason_codes_route_to_categories_and_stripes_reason_refines_a_generic_code():
    assert route(_dispute(network_reason_code="13.1")).category == "not_received"
    assert route(_dispute(network_reason_code="10.4")).model_dump(include={"category", "network", "code", "by"}) == {
        "category": "fraud", "network": "visa", "code": "10.4", "by": "network code"}
    generic = _dispute(network_reason_code="4853", card_brand="MasterCard", reason="credit_not_processed")
    assert (route(generic).category, route(generic).by) == ("credit_not_processed", "network code + reason")
    assert route(generic.model_copy(update={"reason": "general"})).category == "not_as_described"  # the code's own
    assert route(_dispute(network_reason_code=None, reason="duplicate")).by == "reason"
    assert route(_dispute(network_reason_code="99.9", reason="general")).by == "default"
    assert route(_dispute(network_reason_code="13.1")).sources  # every code cites where its title came from


def test_generated_disputes_are_routed_to_the_generators_own_truth(desk):
    pairs = [(d, t) for d, t in generate(desk.shop, ConversationStore(desk.engine, "acme"), 40, seed=5) if t]
    assert sum(route(d).category == t.category for d, t in pairs) == len(pairs)


# evidence and Visa CE 3.0 ------------------------------------------------------------------------------------------
def _fraud_case(desk, variant_ages=(150, 300), same_ip=True, dispute_prior=False):
    order = next(o for o in desk.shop.orders() if o.shipments)
    placed = datetime.fromisoformat(order.placed_at)
    order = order.model_copy(update={"details": {"customer_ip": "203.0.113.7", "device_id": "dev-1"}})
    priors = [order.model_copy(update={"id": f"#P{i}", "placed_at": (placed - timedelta(days=age)).isoformat(timespec="minutes"), "shipments": [],
                                       "details": {"customer_ip": "203.0.113.7" if same_ip else f"198.51.100.{i}"}})
              for i, age in enumerate(variant_ages)]
    desk.shop.write(orders=[order, *priors])
    if dispute_prior:
        desk.store.put(_dispute(id="dp_old", order_id="#P0", status="lost", network_reason_code="10.4"))
    d = _dispute(id="dp_f", order_id=order.id, amount=order.total, currency=order.currency, reason="fraudulent", network_reason_code="10.4")
    desk.store.put(d)
    return desk.prepare("dp_f")


def test_ce3_is_met_by_two_undisputed_orders_sharing_ip_and_account_and_each_criterion_is_shown(desk):
    p = _fraud_case(desk)
    assert p.evidence.ce3.applicable and p.evidence.ce3.eligible and [c.met for c in p.evidence.ce3.criteria] == [True] * 4
    assert "#P0 (150 days before; same account, address, ip)" in p.evidence.ce3.qualifying
    assert p.advice.chance >= 0.9 and "visa_compelling_evidence_3" in p.fields["enhanced_evidence"]


@pytest.mark.parametrize("kw, failing", [(dict(variant_ages=(150,)), 2), (dict(variant_ages=(60, 400)), 2),
                                         (dict(same_ip=False), 3), (dict(dispute_prior=True), 2)])
def test_ce3_is_not_met_when_one_criterion_fails(desk, kw, failing):
    p = _fraud_case(desk, **kw)
    assert not p.evidence.ce3.eligible and not p.evidence.ce3.criteria[failing].met
    assert "enhanced_evidence" not in p.fields


def test_not_received_evidence_cites_the_carrier_and_the_delivery_scan(desk):
    order = next(o for o in desk.shop.orders() if o.status == "delivered")
    desk.store.put(_dispute(id="dp_nr", order_id=order.id, amount=order.total, currency=order.currency, reason="product_not_received",
                            network_reason_code="13.1"))
    p = desk.prepare("dp_nr")
    s = order.shipments[0]
    assert p.fields["shipping_tracking_number"] == s.tracking_numbers[0] and p.fields["shipping_carrier"] == s.carrier
    assert p.evidence.delivered and p.problems == []
    assert f"tracking number {s.tracking_numbers[0]}" in p.letter.text and "delivered on" in p.letter.text
    assert set(p.evidence.required) - set(p.evidence.filled) <= {"customer_communication"}
    assert p.advice.action == "fight" or p.dispute.amount < 20


# the letter's check can fail ---------------------------------------------------------------------------------------
def test_the_grounding_check_fails_an_invented_price_an_invented_id_and_a_wrong_citation(desk):
    order = next(o for o in desk.shop.orders() if o.status == "delivered")
    desk.store.put(_dispute(id="dp_g", order_id=order.id, amount=order.total, currency=order.currency, reason="product_not_received",
                            network_reason_code="13.1"))
    p = desk.prepare("dp_g")
    assert letters.check(p.letter, p.evidence) == []
    ship = p.evidence.item("shipment").id
    order_item = p.evidence.item("order").id

    def tamper(text, cites):
        return letters.Letter(dispute_id="dp_g", sentences=[*p.letter.sentences, letters.Sentence(text=text, cites=cites)])

    assert letters.check(tamper(f"Order {order.id} was paid 999.99 {order.currency}.", [order_item]), p.evidence) == [
        f"sentence {len(p.letter.sentences) + 1}: '999.99' is not in {order_item}"]
    assert letters.check(tamper("It was carried under tracking number LX000000000CN.", [ship]), p.evidence)
    assert letters.check(tamper(f"Order {order.id} was placed for {order.total} {order.currency}.", [ship]), p.evidence)  # cites the wrong item
    assert letters.check(tamper("The customer received the goods.", []), p.evidence)[0].startswith("sentence")
    assert letters.check(tamper("It was delivered.", ["E99"]), p.evidence) == [f"sentence {len(p.letter.sentences) + 1} cites E99, which the evidence does not have"]


# webhooks ----------------------------------------------------------------------------------------------------------
def test_a_webhook_signature_is_checked_for_payload_secret_and_age():
    body = b'{"id": "evt_1"}'
    verify(body, sign(body, "whsec_a"), "whsec_a")
    with pytest.raises(UnauthenticatedError, match="does not match"):
        verify(body + b" ", sign(body, "whsec_a"), "whsec_a")
    with pytest.raises(UnauthenticatedError, match="does not match"):
        verify(body, sign(body, "whsec_b"), "whsec_a")
    with pytest.raises(UnauthenticatedError, match="more than 300 s"):
        verify(body, sign(body, "whsec_a", at=int(time.time()) - 301), "whsec_a")
    with pytest.raises(UnauthenticatedError, match="no Stripe-Signature"):
        verify(body, None, "whsec_a")


def _stripe_event(event_id: str, dispute_id: str, order_id: str, amount_minor: int = 4500) -> dict:
    return {"id": event_id, "object": "event", "type": "charge.dispute.created", "data": {"object": {
        "id": dispute_id, "object": "dispute", "amount": amount_minor, "currency": "usd", "charge": "ch_1", "reason": "product_not_received",
        "status": "needs_response", "created": int(time.time()), "evidence_details": {"due_by": int(time.time()) + 7 * 86400},
        "payment_method_details": {"card": {"brand": "visa", "network_reason_code": "13.1"}}, "metadata": {"order_id": order_id}}}}


def test_the_webhook_takes_a_signed_event_once_over_http(tmp_path, demo_services, monkeypatch):
    import dataclasses

    from conftest import live_server
    from pydantic import SecretStr

    from tradewinds.server import create_app

    settings = demo_services.settings.model_copy(update={"stripe_webhook_secrets": {"hooks": SecretStr("whsec_test")}})
    services = dataclasses.replace(demo_services, settings=settings)
    with live_server(create_app(services), role=None) as site:
        body = json.dumps(_stripe_event("evt_a1", "dp_wh1", "#none")).encode()
        r = site.post("/v1/disputes/webhook/hooks", content=body, headers={"Stripe-Signature": sign(body, "whsec_test")})
        assert r.status_code == 200 and r.json() == {"received": True, "dispute": "dp_wh1"}
        again = site.post("/v1/disputes/webhook/hooks", content=body, headers={"Stripe-Signature": sign(body, "whsec_test")})
        assert again.status_code == 409  # a replay, even freshly signed
        forged = site.post("/v1/disputes/webhook/hooks", content=body.replace(b"4500", b"9900"), headers={"Stripe-Signature": sign(body, "whsec_test")})
        assert forged.status_code == 401
        assert site.post("/v1/disputes/webhook/nobody", content=body, headers={"Stripe-Signature": sign(body, "x")}).status_code == 404
        stored = services.disputes("hooks").store.get("dp_wh1")
        assert (stored.amount, stored.network_reason_code, stored.due_by is not None) == (Decimal("45.00"), "13.1", True)


# submission through the ledger, to a server that speaks Stripe's API -------------------------------------------------
class _Stripe(JsonHandler):
    calls: list = []

    def do_POST(self):  # noqa: N802
        body = self.rfile.read(int(self.headers["Content-Length"]))
        _Stripe.calls.append((self.path, dict(self.headers), body))
        if self.headers.get("Authorization") != "Bearer sk_test_local":
            return self.answer(401, {"error": {"message": "Invalid API Key provided"}})
        if self.path == "/v1/files":
            return self.answer(200, {"id": "file_local_1", "object": "file", "purpose": "dispute_evidence"})
        form = parse_qs(body.decode())
        return self.answer(200, {"id": self.path.rsplit("/", 1)[1], "object": "dispute", "status": "under_review" if form.get("submit") == ["true"] else "needs_response"})



def test_a_response_is_submitted_to_stripe_only_after_another_person_approves(desk, monkeypatch):
    from tradewinds.settings import get_settings

    server, url = serve(_Stripe)
    monkeypatch.setenv("TRADEWINDS_STRIPE_API_KEY", "sk_test_local")
    monkeypatch.setenv("TRADEWINDS_STRIPE_API_BASE", url)
    get_settings.cache_clear()
    _Stripe.calls = []
    order = next(o for o in desk.shop.orders() if o.status == "delivered")
    desk.store.put(_dispute(id="dp_s", order_id=order.id, amount=order.total, currency=order.currency, reason="product_not_received",
                            network_reason_code="13.1"))
    record = desk.submit("dp_s", actor=CLERK)
    assert record.status == "pending_approval" and _Stripe.calls == []  # nothing leaves before a person says yes
    with pytest.raises(Exception, match="cannot be approved or rejected by whoever asked"):
        desk.ledger.approve("acme", record.id, CLERK, "mine")
    done = desk.ledger.approve("acme", record.id, OWNER, "letter checked")
    assert done.status == "applied" and done.result["file"] == "file_local_1"
    (files_path, _, pdf_body), (path, headers, body) = _Stripe.calls
    assert files_path == "/v1/files" and b"%PDF" in pdf_body and b"dispute_evidence" in pdf_body
    form = parse_qs(body.decode())
    assert path == "/v1/disputes/dp_s" and form["submit"] == ["true"] and headers["Idempotency-Key"].startswith("tradewinds-acme-dp_s-")
    assert form["evidence[shipping_tracking_number]"] == [order.shipments[0].tracking_numbers[0]]
    assert form["evidence[uncategorized_file]"] == ["file_local_1"] and "[E" in form["evidence[uncategorized_text]"][0]
    assert desk.store.get("dp_s").status == "under_review"
    with pytest.raises(ConflictError, match="under_review: nothing to respond to"):
        desk.submit("dp_s", actor=CLERK)
    server.shutdown()


def test_a_response_whose_records_changed_after_the_request_is_not_sent(desk):
    order = next(o for o in desk.shop.orders() if o.status == "delivered")
    desk.store.put(_dispute(id="dp_c", order_id=order.id, amount=order.total, currency=order.currency, reason="product_not_received",
                            network_reason_code="13.1"))
    record = desk.submit("dp_c", actor=CLERK)
    desk.shop.write(orders=[order.model_copy(update={"details": {"customer_ip": "192.0.2.1"}})])  # the evidence changes
    with pytest.raises(ConflictError):
        desk.ledger.approve("acme", record.id, OWNER, "ok")
    late = _dispute(id="dp_late", order_id=order.id, due_by=(NOW - timedelta(hours=1)).isoformat())
    desk.store.put(late)
    with pytest.raises(BadInputError, match="was due"):
        desk.submit("dp_late", actor=CLERK)


# the pack and the CLI ----------------------------------------------------------------------------------------------
def test_the_pack_is_a_pdf_with_the_letter_and_the_cli_lists_by_deadline(desk, tmp_path, monkeypatch):
    from pypdf import PdfReader
    from typer.testing import CliRunner

    from tradewinds.cli.app import app
    from tradewinds.settings import get_settings

    order = next(o for o in desk.shop.orders() if o.status == "delivered")
    desk.store.put(_dispute(id="dp_p", order_id=order.id, amount=order.total, currency=order.currency, reason="product_not_received",
                            network_reason_code="13.1"))
    paths = desk.write_pack(desk.prepare("dp_p"), tmp_path / "packs", ("pdf", "md"))
    text = "".join(page.extract_text() for page in PdfReader(str(paths[0])).pages)
    assert "Response to dispute dp_p" in text and order.shipments[0].tracking_numbers[0] in text
    assert json.loads(paths[-1].read_text())["shipping_carrier"] == order.shipments[0].carrier
    monkeypatch.setenv("TRADEWINDS_DATA_DIR", str(tmp_path / "cli"))
    monkeypatch.setenv("TRADEWINDS_CLI_USER", "olga")
    get_settings.cache_clear()
    run = CliRunner().invoke
    assert run(app, ["shop", "demo", "--customers", "30"]).exit_code == 0
    objects = [_stripe_event(f"evt_{i}", f"dp_cli{i}", "#D00010", 1000 + i)["data"]["object"] for i in range(3)]
    for i, o in enumerate(objects):
        o["evidence_details"]["due_by"] = int(time.time()) + (3 - i) * 86400
    (tmp_path / "disputes.json").write_text(json.dumps({"object": "list", "data": objects}))
    r = run(app, ["disputes", "import", str(tmp_path / "disputes.json")])
    assert r.exit_code == 0 and "3 dispute(s) imported; 3 open" in r.output, r.output
    r = run(app, ["disputes", "list"], env={"COLUMNS": "200"})
    assert r.exit_code == 0 and r.output.index("dp_cli2") < r.output.index("dp_cli1") < r.output.index("dp_cli0")  # soonest due first
    r = run(app, ["disputes", "show", "dp_cli0"], env={"COLUMNS": "200"})
    assert r.exit_code == 0 and "not_received" in r.output and "[E1]" in r.output, r.output
    (tmp_path / "bad.json").write_text("[{\"id\": \"dp_x\"}]")
    r = run(app, ["disputes", "import", str(tmp_path / "bad.json")])
    assert r.exit_code != 0 and "dispute 'dp_x': the field 'currency' is missing" in str(r.exception) + r.output
    get_settings.cache_clear()


def test_fight_or_accept_weighs_the_chance_against_the_counter_fee(desk):
    from tradewinds.seller.disputes.recommend import FightRules, recommend

    p = _fraud_case(desk)  # CE 3.0 met: a strong case
    assert recommend(p.evidence, Decimal("200.00"), "USD").action == "fight"
    small = recommend(p.evidence, Decimal("12.00"), "USD", FightRules(counter_fee=Decimal(15)))
    assert small.action == "accept" and small.chance >= 0.9 and small.expected < 0  # worth less than countering costs
    bare = p.evidence.model_copy(update={"items": [i for i in p.evidence.items if i.kind in ("dispute", "order")], "delivered": False,
                                         "ce3": p.evidence.ce3.model_copy(update={"eligible": False}), "fields": {}})
    weak = recommend(bare, Decimal("200.00"), "USD")
    assert weak.action == "accept" and any(r.startswith("missing: ") for r in weak.reasons)


def test_the_dispute_pages_and_api_show_the_deadline_the_letter_and_the_pack(demo_services):
    from conftest import live_server

    from tradewinds.server import create_app
    from tradewinds.shop.demo import demo_shop as _shop

    people, products, orders = _shop(20, seed=4)
    demo_services.shop("dpages").write(customers=people, products=products, orders=orders)
    order = next(o for o in orders if o.status == "delivered")
    desk = demo_services.disputes("dpages")
    desk.store.put(_dispute(id="dp_web", order_id=order.id, amount=order.total, currency=order.currency, reason="product_not_received",
                            network_reason_code="13.1"))
    with live_server(create_app(demo_services)) as site:
        clerk = site.as_("operator", "dpages")
        listed = clerk.get("/v1/disputes").json()
        assert [d["dispute"]["id"] for d in listed] == ["dp_web"] and listed[0]["category"] == "not_received" and 0 < listed[0]["hours_left"] < 24 * 8
        one = clerk.get("/v1/disputes/dp_web").json()
        assert one["grounding_problems"] == [] and "[E" in one["letter"] and one["fields"]["shipping_carrier"] == order.shipments[0].carrier
        pdf = clerk.get("/v1/disputes/dp_web/pack.pdf")
        assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
        page = clerk.get("/disputes")
        assert page.status_code == 200 and 'href="/disputes/dp_web"' in page.text and "not_received" in page.text
        detail = clerk.get("/disputes/dp_web")
        assert detail.status_code == 200 and order.shipments[0].tracking_numbers[0] in detail.text and "Ask to submit to Stripe" in detail.text
        asked = clerk.post("/v1/disputes/dp_web/submission")
        assert asked.status_code == 202 and asked.json()["status"] == "pending_approval"
        assert site.as_("viewer", "dpages").post("/v1/disputes/dp_web/submission").status_code == 403
