"""The listing studio's foundation: marketplace profiles as data (shipped and the user's own), the claims of a
product read deterministically in several languages, and the checks a localized listing must pass: a changed number,
a material turned into another, a lost certification, a banned term, a limit and the wrong language each fail."""

from __future__ import annotations

import json

import pytest

from tradewinds.errors import BadInputError, NotFoundError
from tradewinds.seller.listings.checks import Listing, check
from tradewinds.seller.listings.claims import compare, extract
from tradewinds.seller.listings.profiles import profile, profiles

MARKETS = {"amazon-us", "amazon-de", "amazon-jp", "aliexpress", "ebay-us", "shopify", "mercadolibre-mx", "coupang", "noon-ae"}
SOURCE = ("Sony WH-1000XM4 wireless noise cancelling headphones, copper cable 1.2 m, CE and RoHS certified, black, 250 g, "
          "stainless steel hinges, pack of 2")


def test_every_market_the_issue_names_ships_a_valid_profile_with_its_sources():
    found = profiles()
    assert MARKETS <= set(found)
    for p in found.values():
        assert p.sources and p.checked and p.title.max_chars > 0 and p.image.background == "#FFFFFF"
    assert found["ebay-us"].title.max_chars == 80 and found["amazon-us"].title.max_chars == 200
    assert found["amazon-us"].units == "imperial" and found["amazon-de"].units == "metric"


def test_a_user_profile_adds_or_replaces_one_and_a_bad_one_names_its_field(tmp_path):
    from tradewinds.seller.listings.profiles import SHIPPED

    mine = tmp_path / "markets"
    mine.mkdir()
    shopify = (SHIPPED / "shopify.toml").read_text()
    (mine / "etsy.toml").write_text(shopify.replace('id = "shopify"', 'id = "etsy"').replace("max_chars = 255", "max_chars = 140"))
    assert profile("etsy", mine).title.max_chars == 140 and "etsy" not in profiles()
    (mine / "ebay-us.toml").write_text(shopify.replace('id = "shopify"', 'id = "ebay-us"').replace("max_chars = 255", "max_chars = 70"))
    assert profile("ebay-us", mine).title.max_chars == 70 and profile("ebay-us").title.max_chars == 80  # the user's replaces the shipped one
    (mine / "bad.toml").write_text('id = "bad"\nname = "x"\nlanguage = "english"\n')
    with pytest.raises(BadInputError, match="bad.toml: language: String should match pattern"):
        profiles(mine)
    (mine / "bad.toml").write_text(shopify.replace('id = "shopify"', 'id = "other"'))
    with pytest.raises(BadInputError, match="bad.toml: its id is 'other'"):
        profiles(mine)
    with pytest.raises(NotFoundError, match="no marketplace profile 'nowhere'"):
        profile("nowhere")


def test_claims_are_read_with_their_units_converted_to_one_base():
    claims = {(c.kind, c.value) for c in extract(SOURCE + ", 55 inch screen, 2 lb, 68 °F, 30x40 cm")}
    assert {("code", "wh1000xm4"), ("material", "copper"), ("measure", "1200mm"), ("certification", "CE"), ("certification", "RoHS"),
            ("colour", "black"), ("measure", "250g"), ("material", "stainless steel"), ("pack", "2"), ("measure", "1397mm"),
            ("measure", "907.2g"), ("measure", "20°C"), ("size", "300x400mm")} <= claims
    german = {(c.kind, c.value) for c in extract("Kupferkabel 1,2 m, Scharnier aus Edelstahl, schwarz, 2er-Pack")}
    assert german == {("material", "copper"), ("measure", "1200mm"), ("material", "stainless steel"), ("colour", "black"), ("pack", "2")}
    assert {(c.kind, c.value) for c in extract("銅ケーブル 1.2 m、ステンレス、ブラック")} == {
        ("material", "copper"), ("measure", "1200mm"), ("material", "stainless steel"), ("colour", "black")}
    assert ("colour", "gold") not in {(c.kind, c.value) for c in extract("red or blue")}  # French 'or' is not English 'or'


def test_a_model_code_in_capitals_is_not_shouting():
    listing = Listing(title="Panasonic KXTG9343T DECT Schnurlostelefon", description="Digitales Schnurlostelefon mit Anrufbeantworter für Zuhause.")
    report = check("Panasonic KXTG9343T DECT cordless phone", listing, profile("amazon-de"), "de")
    assert not [c for c in report.failures if c.name == "title rules"]


def test_a_faithful_translation_passes_every_check():
    de = Listing(title="Sony WH-1000XM4 kabellose Kopfhörer mit Geräuschunterdrückung, schwarz, 2er-Pack",
                 bullets=["Kupferkabel 1,2 m, Gewicht 250 g", "Scharniere aus Edelstahl", "Zertifiziert nach CE und RoHS"],
                 description="Kabellose Kopfhörer mit aktiver Geräuschunterdrückung für Reisen und Büro.")
    report = check(SOURCE, de, profile("amazon-de"), "de")
    assert report.ok, report.failures


@pytest.mark.parametrize("change, failing, detail", [
    ({"bullets": ["Stahlkabel 1,2 m, Gewicht 250 g", "Scharniere aus Edelstahl", "CE und RoHS"]}, "claims", "lost: copper"),  # copper became steel
    ({"bullets": ["Kupferkabel 1,5 m, Gewicht 250 g", "Scharniere aus Edelstahl", "CE und RoHS"]}, "claims", "added or changed: 1,5 m"),
    ({"bullets": ["Kupferkabel 1,2 m, Gewicht 250 g", "Scharniere aus Edelstahl", "Zertifiziert nach CE"]}, "claims", "lost: RoHS"),
    ({"bullets": ["Kupferkabel 1,2 m, Gewicht 250 g", "Scharniere aus Edelstahl", "CE, RoHS und FCC"]}, "claims", "added or changed: FCC"),
    ({"title": "BESTSELLER Sony WH-1000XM4 Kopfhörer, schwarz, 2er-Pack"}, "banned", "banned term 'bestseller'"),
    ({"description": "Kostenloser Versand! Antibakteriell beschichtete Ohrpolster."}, "banned", "claim needing proof 'antibakteriell'"),
    ({"title": "Sony WH-1000XM4 Kopfhörer schwarz 2er-Pack " + "x" * 200}, "limits", "title 243 characters > 200"),
    ({"title": "Sony WH-1000XM4 Kopfhörer!!! schwarz 2er-Pack"}, "title rules", "title has !"),
    ({"title": "Sony WH-1000XM4 KOPFHÖRER schwarz 2er-Pack"}, "title rules", "title in capitals: KOPFHÖRER"),
    ({"description": "Wireless headphones with active noise cancelling for travel and the office."}, "language", "description reads as en"),
    ({"description": "Kabellose Kopfhörer, Bestellung unter www.example.com"}, "banned", "contact details"),
])
def test_each_kind_of_broken_listing_fails_its_check(change, failing, detail):
    base = dict(title="Sony WH-1000XM4 kabellose Kopfhörer mit Geräuschunterdrückung, schwarz, 2er-Pack",
                bullets=["Kupferkabel 1,2 m, Gewicht 250 g", "Scharniere aus Edelstahl", "Zertifiziert nach CE und RoHS"],
                description="Kabellose Kopfhörer mit aktiver Geräuschunterdrückung für Reisen und Büro.")
    report = check(SOURCE, Listing(**{**base, **change}), profile("amazon-de"), "de")
    failed = {c.name: c.detail for c in report.failures}
    assert failing in failed and detail in failed[failing], failed


def test_compare_counts_a_claim_as_added_only_when_the_source_never_makes_it():
    src = extract("2 USB ports, 5 V, 2.4 A")
    added, lost = compare(src, extract("2 USB-Anschlüsse, 5 V"))
    assert added == [] and [c.text for c in lost] == []  # bare numbers and amperes are not required, only not changed
    added, _ = compare(src, extract("3 USB-Anschlüsse, 5 V"))
    assert [c.text for c in added] == ["3"]


def test_the_cli_lists_the_markets_and_flags_a_listing_that_turned_copper_into_steel(tmp_path):
    import json

    from typer.testing import CliRunner

    from tradewinds.cli.app import app

    run = CliRunner().invoke
    r = run(app, ["listings", "markets"], env={"COLUMNS": "200"})
    assert r.exit_code == 0 and all(m in r.output for m in MARKETS)
    listing = tmp_path / "de.json"
    listing.write_text(json.dumps({"title": "Sony WH-1000XM4 Kopfhörer, schwarz", "bullets": ["Stahlkabel 1,2 m", "CE und RoHS"],
                                   "description": "Kabellose Kopfhörer mit aktiver Geräuschunterdrückung für Reisen."}))
    r = run(app, ["listings", "check", "--source", "Sony WH-1000XM4 headphones, copper cable 1.2 m, CE, RoHS, black",
                  "--listing", str(listing), "--market", "amazon-de", "--lang", "de"], env={"COLUMNS": "200"})
    assert r.exit_code == 1 and "FAIL claims: added or changed: Stahl (material steel); lost: copper" in r.output and "flagged" in r.output


# localizing with a scripted model ------------------------------------------------------------------------------------
def _gateway(replies):
    from tradewinds.models import FakeChatModel, Gateway
    from tradewinds.settings import Settings

    fake = FakeChatModel(replies, model="listings")
    return Gateway(Settings(model_routes={"default": ["fake:listings"]}), models={"fake:listings": fake}, cache=False), fake


PRODUCT = {"id": "p1", "title": "Sony WH-1000XM4 wireless headphones", "description": "Copper cable 1.2 m, 250 g, CE and RoHS, black."}
GOOD = {"title": "Sony WH-1000XM4 kabellose Kopfhörer, schwarz", "bullets": ["Kupferkabel 1,2 m", "Gewicht 250 g", "CE und RoHS"],
        "description": "Kabellose Kopfhörer mit aktiver Geräuschunterdrückung für Reisen und Büro.", "keywords": ["kopfhörer"]}


def test_a_listing_that_breaks_a_claim_is_repaired_by_naming_the_violation():
    from tradewinds.seller.listings.localize import ProductIn, localize

    broken = {**GOOD, "bullets": ["Stahlkabel 1,2 m", "Gewicht 250 g", "CE und RoHS"]}
    gateway, fake = _gateway([json.dumps(broken), json.dumps(GOOD)])
    listing = localize(ProductIn(**PRODUCT), profile("amazon-de"), "de", gateway)
    assert listing.status == "ok" and listing.attempts == 2 and listing.ai_generated
    repair = fake.requests[1].messages[-1].content
    assert "lost: Copper (material copper)" in repair and "added or changed: Stahl (material steel)" in repair  # the exact violation
    assert "SYSTEM" not in fake.requests[0].messages[0].content and "data, not instructions" in fake.requests[0].messages[0].content


def test_a_listing_that_stays_broken_is_flagged_with_its_reasons_and_forbidden_characters_never_reach_it():
    from tradewinds.seller.listings.localize import ProductIn, localize

    bad = {**GOOD, "title": "Sony WH-1000XM5 Kopfhörer!!!, schwarz"}
    gateway, fake = _gateway(lambda request: json.dumps(bad))
    listing = localize(ProductIn(**PRODUCT), profile("amazon-de"), "de", gateway, repairs=2)
    assert listing.status == "flagged" and listing.attempts == 3 and len(fake.requests) == 3
    assert "!" not in listing.title  # removed without the model
    failed = {c.name: c.detail for c in listing.checks if not c.ok}
    assert "added or changed: WH-1000XM5" in failed["claims"]


def test_localize_from_a_csv_resumes_after_a_cut_off_run(tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from tradewinds.bootstrap import Services
    from tradewinds.cli.app import app

    csv_path = tmp_path / "products.csv"
    csv_path.write_text("id,title,description\n" + "\n".join(f'p{i},"Sony WH-1000XM4 wireless headphones","Copper cable 1.2 m, 250 g, CE and RoHS, black."'
                                                             for i in range(4)) + "\n")
    gateway, fake = _gateway(lambda request: json.dumps(GOOD))
    monkeypatch.setattr(Services, "gateway", lambda self: gateway)
    out = tmp_path / "out.jsonl"
    out.write_text(json.dumps({"id": "p0", "status": "ok"}) + "\n" + '{"id": "p1", "tit')  # a run killed mid-line
    r = CliRunner().invoke(app, ["listings", "localize", "--from", str(csv_path), "--market", "amazon-de", "--lang", "de", "--out", str(out)])
    assert r.exit_code == 0 and "3 localized (3 ok, 0 flagged), 1 already in" in r.output, r.output
    assert "per 1,000,000 listings:" in r.output and "CPU hours here" in r.output and "at openai:qwen-plus's token prices:" in r.output
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert [row["id"] for row in rows] == ["p0", "p1", "p2", "p3"] and len(fake.requests) == 3  # p0 not redone, p1 redone once
    assert rows[1]["ai_generated"] is True and {c["name"] for c in rows[1]["checks"]} >= {"claims", "limits", "banned", "language"}
    bad = tmp_path / "bad.csv"
    bad.write_text("title\nx\n")
    r = CliRunner().invoke(app, ["listings", "localize", "--from", str(bad), "--market", "amazon-de", "--lang", "de"])
    assert r.exit_code != 0 and "the column(s) id are missing" in str(r.exception) + r.output


# marketing copy ----------------------------------------------------------------------------------------------------
def test_copy_variants_are_scored_and_one_that_invents_a_claim_or_shouts_a_banned_term_scores_zero():
    from tradewinds.seller.listings.copy import write_copy

    source = "Sony WH-1000XM4 wireless headphones, copper cable 1.2 m, 30 h battery, CE and RoHS, black"
    variants = {"variants": ["Sony WH-1000XM4: copper cable, 1.2 m", "WH-1000XM5 headphones, 40 h battery",
                             "Best seller headphones Sony WH-1000XM4", "Sony WH-1000XM4 headphones"]}
    gateway, fake = _gateway([json.dumps(variants)])
    ranked = write_copy(source, "ad_headline", "en", gateway, n=4, keywords=["headphones"], market=profile("amazon-us"))
    assert ranked[0].compliant and ranked[0].score > 0 and ranked[0].score >= ranked[1].score
    by_text = {s.text: s for s in ranked}
    assert by_text["WH-1000XM5 headphones, 40 h battery"].score == 0 and "claims WH-1000XM5 (code)" in by_text["WH-1000XM5 headphones, 40 h battery"].reasons[0]
    assert by_text["Best seller headphones Sony WH-1000XM4"].score == 0 and "banned: 'best seller'" in by_text["Best seller headphones Sony WH-1000XM4"].reasons
    assert "at most 30 characters" in fake.requests[0].messages[0].content


def test_a_scorer_learned_from_the_merchants_ctr_prefers_what_worked_for_it(tmp_path):
    from tradewinds.seller.listings.copy import LearnedScorer, features

    rows = ["text,ctr"]
    for i in range(40):  # this merchant's buyers click on questions
        rows.append(f'"Need headphones for {i} hours of travel?",{0.05 + 0.0005 * (i % 5)}')
        rows.append(f'"Headphones for {i} hours of travel",{0.02 + 0.0005 * (i % 5)}')
    (tmp_path / "past.csv").write_text("\n".join(rows) + "\n")
    scorer = LearnedScorer.learn(tmp_path / "past.csv")
    ask, tell = (scorer.score(features(t, [], [], 90)) for t in ("Ready for a long flight?", "Ready for a long flight"))
    assert ask[0] > tell[0] and any(r.startswith("question +") for r in ask[1])
    (tmp_path / "bad.csv").write_text("text,ctr\nhello,high\n")
    with pytest.raises(BadInputError, match="row 2, column ctr: 'high' is not a number"):
        LearnedScorer.learn(tmp_path / "bad.csv")


# keywords ----------------------------------------------------------------------------------------------------------
def test_keywords_come_from_the_sellers_report_and_never_carry_another_brand():
    from tradewinds.seller.listings.keywords import SearchTerm, keywords

    source = "Sony WH-1000XM4 wireless noise cancelling headphones, black"
    report = [SearchTerm(query="bose headphones", impressions=900, clicks=40), SearchTerm(query="airpods pro", impressions=1000, clicks=90),
              SearchTerm(query="wireless headphones", impressions=500, clicks=30), SearchTerm(query="Sony headphones black", impressions=300, clicks=30),
              SearchTerm(query="noise cancelling headphones", impressions=200, clicks=5)]
    assert [k.term for k in keywords(source, "en", report)] == ["sony headphones black", "wireless headphones", "noise cancelling headphones"]
    catalog = [k.term for k in keywords(source, "de")]
    assert "Kopfhörer" in catalog and all(k.source == "catalog" for k in keywords(source, "de"))  # the lexicon's words, as written


def test_a_localized_listings_keywords_are_chosen_in_code_not_by_the_model():
    from tradewinds.seller.listings.keywords import SearchTerm
    from tradewinds.seller.listings.localize import ProductIn, localize

    gateway, _ = _gateway([json.dumps({**GOOD, "keywords": ["bose", "beste kopfhörer"]})])
    listing = localize(ProductIn(**PRODUCT), profile("amazon-de"), "de", gateway,
                       search_terms=[SearchTerm(query="kabellose kopfhörer", impressions=10, clicks=3), SearchTerm(query="bose kopfhörer", clicks=50),
                                     SearchTerm(query="kaffeemaschine", clicks=80)])
    assert listing.keywords == ["kabellose kopfhörer"] and listing.status == "ok"  # not another brand, not another product


# publishing through the ledger ---------------------------------------------------------------------------------------
class _Market:
    """A local server speaking Shopify's Admin API product create/delete and SP-API's putListingsItem/deleteListingsItem."""

    def __init__(self):
        from stand_in import JsonHandler, serve

        calls = self.calls = []

        class Handler(JsonHandler):
            def _body(self):
                n = int(self.headers.get("Content-Length") or 0)
                return json.loads(self.rfile.read(n)) if n else None

            def do_POST(self):  # noqa: N802
                calls.append(("POST", self.path, dict(self.headers), self._body()))
                self.answer(201, {"product": {"id": 632910392}})

            def do_PUT(self):  # noqa: N802
                body = self._body()
                calls.append(("PUT", self.path, dict(self.headers), body))
                issues = [] if body["attributes"]["item_name"][0]["value"] else [{"code": "90220", "message": "item_name is required", "severity": "ERROR"}]
                self.answer(200, {"sku": self.path.split("/")[-1].split("?")[0], "status": "VALID" if "VALIDATION_PREVIEW" in self.path else "ACCEPTED",
                                   "issues": issues})

            def do_DELETE(self):  # noqa: N802
                calls.append(("DELETE", self.path, dict(self.headers), None))
                self.answer(200, {})

        self.server, self.url = serve(Handler)


def test_a_checked_listing_is_published_only_after_approval_and_can_be_taken_down(tmp_path, monkeypatch):
    from tradewinds.accounts import Actor, Role
    from tradewinds.actions import ActionLedger, ActionRequest
    from tradewinds.db import open_database
    from tradewinds.seller.listings.localize import ProductIn, localize
    from tradewinds.settings import get_settings

    market = _Market()
    for k, v in {"SPAPI_URL": market.url, "SPAPI_TOKEN": "Atza|local", "SPAPI_SELLER_ID": "A2SELLER", "SHOPIFY_URL": market.url,
                 "SHOPIFY_TOKEN": "shpat_local"}.items():
        monkeypatch.setenv(f"TRADEWINDS_{k}", v)
    get_settings.cache_clear()
    ledger = ActionLedger(open_database(f"sqlite:///{tmp_path / 'tw.db'}"))
    clerk, owner = Actor(kind="user", id="carl", role=Role.operator), Actor(kind="user", id="olga", role=Role.owner)
    gateway, _ = _gateway([json.dumps(GOOD)])
    listing = localize(ProductIn(**PRODUCT), profile("amazon-de"), "de", gateway)
    ask = ActionRequest(workspace_id="acme", type="listing.publish", actor=clerk, idempotency_key="publish-p1-de",
                        params={"market": "amazon-de", "sku": "SONY-XM4-DE", "listing": listing.model_dump(mode="json")})
    preview = ledger.preview(ask)
    assert preview.decision.outcome == "needs_approval" and "publish SONY-XM4-DE" in preview.change.summary
    assert [c[0] for c in market.calls] == ["PUT"] and "mode=VALIDATION_PREVIEW" in market.calls[0][1]  # the marketplace's own check
    record = ledger.submit(ask)
    assert record.status == "pending_approval" and not [c for c in market.calls if c[0] == "PUT" and "VALIDATION" not in c[1]]
    done = ledger.approve("acme", record.id, owner, "claims checked")
    put = [c for c in market.calls if c[0] == "PUT" and "VALIDATION" not in c[1]][-1]
    assert done.status == "applied" and done.result["external_id"] == "SONY-XM4-DE"
    assert put[1].startswith("/listings/2021-08-01/items/A2SELLER/SONY-XM4-DE?marketplaceIds=A1PA6795UKMFR9")
    assert put[2]["x-amz-access-token"] == "Atza|local" and put[3]["attributes"]["item_name"][0]["value"] == listing.title
    undone = ledger.undo("acme", record.id, owner, "wrong size chart")
    assert undone.status == "undone" and market.calls[-1][0] == "DELETE" and market.calls[-1][1].startswith("/listings/2021-08-01/items/A2SELLER/SONY-XM4-DE")
    flagged = listing.model_copy(update={"status": "flagged"})
    with pytest.raises(BadInputError, match="only a listing that passed its checks"):
        ledger.submit(ask.model_copy(update={"idempotency_key": "publish-p1-flagged", "params": {**ask.params, "listing": flagged.model_dump(mode="json")}}))
    shop_listing = listing.model_copy(update={"market": "shopify"})
    rec = ledger.submit(ActionRequest(workspace_id="acme", type="listing.publish", actor=clerk, idempotency_key="publish-p1-shopify",
                                      params={"market": "shopify", "sku": "SONY-XM4", "listing": shop_listing.model_dump(mode="json")}))
    ledger.approve("acme", rec.id, owner, "ok")
    post = [c for c in market.calls if c[0] == "POST"][-1]
    assert post[1] == "/admin/api/2024-10/products.json" and post[2]["X-Shopify-Access-Token"] == "shpat_local"
    assert post[3]["product"]["title"] == listing.title and "<li>Kupferkabel 1,2 m</li>" in post[3]["product"]["body_html"]
    market.server.shutdown()
    get_settings.cache_clear()


# main images -------------------------------------------------------------------------------------------------------
def test_a_main_image_is_the_product_on_white_centred_at_the_markets_size_and_labelled(tmp_path):
    import numpy as np
    from PIL import Image
    from typer.testing import CliRunner

    from tradewinds.cli.app import app
    from tradewinds.seller.listings.images import on_white, scene

    img, mask = scene(4, size=256)
    spec = profile("amazon-us").image
    out = on_white(img, mask, spec)
    assert out.shape == (spec.height, spec.width, 3)
    assert (out[:20] == 255).all() and (out[:, :20] == 255).all() and (out[-20:] == 255).all()  # pure white around
    ys, xs = np.nonzero((out < 250).any(axis=2))
    assert abs((ys.min() + ys.max()) / 2 - spec.height / 2) < 0.02 * spec.height and abs((xs.min() + xs.max()) / 2 - spec.width / 2) < 0.02 * spec.width
    assert abs(max(ys.max() - ys.min(), xs.max() - xs.min()) / spec.width - spec.fill) < 0.02  # fills the share the market asks
    Image.fromarray(img).save(tmp_path / "photo.jpg")
    r = CliRunner().invoke(app, ["listings", "image", str(tmp_path / "photo.jpg"), "--market", "ebay-us", "--out", str(tmp_path / "main.png"),
                                 "--method", "grabcut"])
    assert r.exit_code == 0 and "cut out by grabcut" in r.output, r.output
    with Image.open(tmp_path / "main.png") as saved:
        assert saved.size == (1600, 1600) and saved.info["ai_edited"] == "true" and "grabcut" in saved.info["tradewinds"]
    (tmp_path / "not.jpg").write_text("not an image")
    r = CliRunner().invoke(app, ["listings", "image", str(tmp_path / "not.jpg"), "--market", "ebay-us"])
    assert r.exit_code != 0 and "not an image this can read" in str(r.exception) + r.output


def test_isnet_cuts_the_product_out_where_grabcut_only_approaches_it():
    from tradewinds.seller.listings.images import cut_out, iou, model_path, scene

    if model_path() is None:
        pytest.skip("the ISNet model is not installed (make install runs scripts/fetch_image_model.py)")
    scores = {"isnet": [], "grabcut": []}
    for seed in (0, 2):
        img, mask = scene(seed, size=384)
        for method in scores:
            cut = cut_out(img, method=method)
            assert cut.method.startswith(method)
            scores[method].append(iou(cut.mask, mask))
    assert min(scores["isnet"]) > 0.97 and min(scores["isnet"]) > max(scores["grabcut"])


def test_the_listing_studio_over_http(demo_services):
    from conftest import live_server
    from tradewinds.server import create_app

    with live_server(create_app(demo_services)) as site:
        viewer, clerk = site.as_("viewer", "lst"), site.as_("operator", "lst")
        assert MARKETS <= {m["id"] for m in viewer.get("/v1/listings/markets").json()}
        claims = viewer.post("/v1/listings/claims", json={"text": "Kupferkabel 1,2 m, CE"}).json()
        assert {(c["kind"], c["value"]) for c in claims} == {("material", "copper"), ("measure", "1200mm"), ("certification", "CE")}
        steel = {"title": "Sony WH-1000XM4 Kopfhörer, schwarz", "bullets": ["Stahlkabel 1,2 m", "CE und RoHS"],
                 "description": "Kabellose Kopfhörer mit aktiver Geräuschunterdrückung für Reisen."}
        r = viewer.post("/v1/listings/checks", json={"source": "Sony WH-1000XM4 headphones, copper cable 1.2 m, CE, RoHS, black",
                                                      "listing": steel, "market": "amazon-de", "language": "de"}).json()
        assert r["ok"] is False and "lost: copper" in next(c["detail"] for c in r["checks"] if c["name"] == "claims")
        flagged = {"id": "p1", "market": "amazon-de", "language": "de", **steel, "keywords": [], "checks": [], "status": "flagged", "attempts": 3}
        refused = clerk.post("/v1/listings/publications", json={"listing": flagged, "sku": "SKU-1"})
        assert refused.status_code == 422 and "only a listing that passed its checks" in refused.json()["error"]["message"]
        assert viewer.post("/v1/listings/publications", json={"listing": flagged, "sku": "SKU-1"}).status_code == 403
