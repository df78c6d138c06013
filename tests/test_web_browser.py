"""The web app in a real browser: Debian's chromium driven by Playwright against the app on 127.0.0.1.

Screenshots go to build/screenshots/ (or $TRADEWINDS_TEST_SCREENSHOTS). chromium is installed by
scripts/ensure-test-tools.sh (called by `make test`); without it these tests skip, except under CI
where a missing browser is a failure.
"""

import io
import json
import os
import shutil
from pathlib import Path

import pytest
from conftest import live_server
from openpyxl import load_workbook

from tradewinds.server import create_app
from tradewinds.bootstrap import Services
from tradewinds.catalog.schemas import Offer, Product, Supplier
from tradewinds.catalog.service import index_catalog
from tradewinds.models import FakeChatModel, Gateway

CHROMIUM = os.environ.get("TRADEWINDS_TEST_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
if not CHROMIUM:
    if os.environ.get("CI"):
        pytest.fail("chromium is not installed: run scripts/ensure-test-tools.sh (make test does)", pytrace=False)
    pytest.skip("chromium is not installed: run scripts/ensure-test-tools.sh, or set TRADEWINDS_TEST_CHROMIUM", allow_module_level=True)

sync_api = pytest.importorskip("playwright.sync_api")
SHOTS = Path(os.environ.get("TRADEWINDS_TEST_SCREENSHOTS", "build/screenshots"))
XSS = '<img src=x onerror="window.__xss=1"><script>window.__xss=2</script>'
EVIL_IMAGE = "http://evil.invalid/pixel.png"


class _FakeModelServices(Services):
    """The demo services with a scripted chat model whose replies carry markup (the XSS test's 'model output')."""

    def gateway(self) -> Gateway:
        reply = {"lines": [{"product": "ceramic mug <script>window.__xss=3</script>", "quantity": 500, "specs": []}]}
        fake = FakeChatModel(lambda r: json.dumps(reply), model="xss")
        settings = self.settings.model_copy(update={"model_routes": {"default": ["fake:xss"]}})
        return Gateway(settings, models={"fake:xss": fake}, cache=False)


def _hostile_records(services) -> None:
    """A supplier, product and offer whose every text field tries to run script or load a remote resource."""
    sup = {"id": "sup_xssxssxssxssxss2", "external_id": "xss-sup", "name": f"Evil Co {XSS}", "country": "VN", "city": "<b>Hanoi</b>",
           "certifications": ["CE"], "capabilities": [], "export_markets": [], "source": "test"}
    prd = {"id": "prd_xssxssxssxssxss2", "external_id": "xss-prd", "title": f"ceramic mug {XSS}",
           "description": f'<a href="javascript:window.__xss=4">click</a> <iframe src="{EVIL_IMAGE}"></iframe> <img src="{EVIL_IMAGE}">',
           "attributes": [{"name": "capacity<svg onload=window.__xss=5>", "value": "<i>350</i>", "unit": "ml"}],
           "category": "Kitchen > <script>x</script>", "hs_code": "691200", "language": "en", "image_url": "javascript:window.__xss=6",
           "source": "test"}
    off = {"id": "off_xssxssxssxssxss2", "external_id": "xss-off", "product_id": prd["id"], "supplier_id": sup["id"], "currency": "USD",
           "price_tiers": [{"min_qty": 100, "unit_price": 0.5}], "moq": 100, "lead_time_days": 20, "incoterm": "FOB",
           "certifications": ["FDA"], "source": "test"}
    services.repo.upsert(suppliers=[Supplier(**sup).model_dump()], products=[Product(**prd).model_dump()], offers=[Offer(**off).model_dump()])
    index_catalog(services.repo, services.backend, offer_ids=[off["id"]])


@pytest.fixture(scope="module")
def app_url(demo_services):
    services = _FakeModelServices(demo_services.settings, demo_services.repo, demo_services.backend, demo_services.search)
    _hostile_records(services)
    with live_server(create_app(services)) as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-dev-shm-usage"])
        yield b
        b.close()


@pytest.fixture
def page(browser, app_url):
    context = browser.new_context(viewport={"width": 1440, "height": 900}, base_url=app_url, accept_downloads=True)
    pg = context.new_page()
    pg.errors = []
    pg.requests = []
    pg.on("pageerror", lambda e: pg.errors.append(str(e)))
    pg.on("request", lambda r: pg.requests.append(r.url))
    log_in(pg, app_url.app)
    yield pg
    context.close()


def log_in(pg, app, user: str = "owner-local", role: str = "owner") -> None:
    """As a person does: a one-time login link (what `tradewinds serve` prints), then its button."""
    from tradewinds.accounts import Role
    from tradewinds.accounts.service import SYSTEM

    accounts = app.state.accounts
    if user not in {u.name for u in accounts.users("local")}:
        accounts.add_user("local", user, Role(role), by=SYSTEM)
    pg.goto(f"/login/{accounts.login_link('local', user)}")
    pg.click("button[type=submit]")
    pg.wait_for_url("**/account")


def _shot(pg, name: str) -> None:
    pg.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def test_source_a_need_refine_it_and_export(page, app_url, tmp_path):
    page.goto("/")
    page.fill("#need", "500 stainless steel travel coffee mugs, under 3 USD each, ship to Germany")  # the small demo has no ceramic ones
    page.check("#no-model")
    page.click("#need-form button[type=submit]")
    page.wait_for_url("**/runs/run_*")
    _shot(page, "1-plan")
    assert page.input_value("#plan-lines tr >> nth=0 >> input[name=quantity]") == "500"
    page.fill("#plan-lines tr >> nth=0 >> input[name=quantity]", "600")
    page.click("#start-run")
    page.wait_for_selector("#after:not([hidden])", timeout=60_000)
    assert page.locator("#steps li").count() >= 3 and "ready" in page.locator("#steps li").last.inner_text()
    line = page.locator("section.line").first
    assert "× 600" in line.locator("h3").inner_text()
    options = line.locator("table.options tbody tr")
    assert options.count() >= 1 and "%" in options.first.locator("td[data-label=Match]").inner_text()
    options.first.locator("td[data-label=Evidence] details summary").click()  # evidence per requirement
    assert options.first.locator("td[data-label=Evidence] ul.checks li").first.is_visible()
    _shot(page, "2-report")

    page.fill("#followup", "only suppliers outside China")
    page.click("#followup-form button[type=submit]")
    page.wait_for_selector("section.line.changed .changed-badge", timeout=60_000)
    page.wait_for_selector("#after:not([hidden])", timeout=60_000)
    countries = page.locator("section.line.changed table.options tbody tr td:nth-child(3) small").all_inner_texts()
    assert "CN" not in countries
    assert page.locator("section.changes li").count() >= 1
    _shot(page, "3-refined")

    for fmt, check in (("PDF", lambda b: b[:5] == b"%PDF-"), ("XLSX", lambda b: load_workbook(io.BytesIO(b)).sheetnames)):
        with page.expect_download() as info:
            page.get_by_role("link", name=fmt, exact=True).click()
        target = tmp_path / info.value.suggested_filename
        info.value.save_as(target)
        assert check(target.read_bytes()), fmt
    # a cited offer opens its page
    page.locator("section.line table.options a[href^='/offers/']").first.click()
    assert page.locator("h2", has_text="Price tiers").is_visible()
    assert not page.errors


def test_bulk_upload_confirm_columns_and_download_the_plan(page, tmp_path):
    page.goto("/bulk")
    page.set_input_files("#bulk-file", "examples/purchase-list.csv")
    page.click("#read-columns")
    page.wait_for_selector("#mapping:not([hidden])")
    assert page.input_value("#map-item") == "B" and page.input_value("#map-qty") == "C"
    assert page.locator("#mapping-preview tr").count() == 8
    _shot(page, "4-bulk-columns")
    page.click("#run-bulk")
    page.wait_for_selector("#plan-summary", timeout=120_000)
    rows = page.locator("table.strategies tbody tr")
    assert rows.count() == 3 and rows.first.locator("th").inner_text() == "optimised"
    assert "%" in rows.nth(1).locator("td.saving").inner_text()  # saving against each baseline
    assert page.locator("#bulk-progress").get_attribute("value") == page.locator("#bulk-progress").get_attribute("max")
    _shot(page, "5-bulk-plan")
    with page.expect_download() as info:
        page.get_by_role("link", name="Download XLSX").click()
    target = tmp_path / "plan.xlsx"
    info.value.save_as(target)
    assert load_workbook(target).sheetnames[0] == "Summary"
    assert not page.errors


def test_bad_input_is_explained_where_it_happened(page, tmp_path):
    page.goto("/")
    page.click("#need-form button[type=submit]")
    assert "Write what you need first" in page.locator("#form-error").inner_text()
    bad = tmp_path / "old.xls"
    bad.write_bytes(b"\xd0\xcf\x11\xe0legacy")
    page.goto("/bulk")
    page.set_input_files("#bulk-file", str(bad))
    page.click("#read-columns")
    page.wait_for_selector("#bulk-error:not([hidden])")
    assert "how to fix" in page.locator("#bulk-error").inner_text()
    broken = tmp_path / "catalog.csv"
    broken.write_text("offer_id,product_id,title,description,hs_code,attributes,supplier_id,supplier_name,supplier_country,"
                      "supplier_certifications,capabilities,currency,price_tiers,moq,lead_time_days,incoterm,certifications\n"
                      "B-1,BP-1,Bamboo tray,,441990,,BS-1,Hue Bamboo,VN,,OEM,USD,100:lots,100,30,FOB,\n")
    page.goto("/import")
    page.set_input_files("#import-file", str(broken))
    page.click("main form button[type=submit]")
    cells = page.locator("table.issues tbody tr").first.locator("td").all_inner_texts()
    assert cells[0] == "2" and cells[1] == "price_tiers" and cells[4]  # the spreadsheet's row (the header is row 1), field, fix
    page.goto("/")
    page.fill("#need", "500 ceramic mugs. " * 300)  # 5,400 characters: refused in the page, with the limit named
    assert "/ 4,000" in page.locator("#need-count").inner_text()
    page.click("#need-form button[type=submit]")
    assert "the limit is 4,000" in page.locator("#form-error").inner_text() and page.url.endswith("/")
    _shot(page, "6-import-errors")


def test_hostile_catalog_and_model_text_renders_inert(page):
    """Script tags, event handlers, javascript: links and remote images from records and model replies."""
    page.goto("/catalog?q=ceramic+mug+onerror")
    page.goto("/offers/off_xssxssxssxssxss2")
    page.goto("/products/prd_xssxssxssxssxss2")
    assert XSS in page.locator("h1").inner_text()  # shown as text, not dropped and not run
    page.goto("/suppliers/sup_xssxssxssxssxss2")
    page.goto("/")
    page.fill("#need", "500 ceramic mugs <script>window.__xss=7</script>, under 1 USD each")
    page.click("#need-form button[type=submit]")  # the scripted model names the product with markup too
    page.wait_for_url("**/runs/run_*")
    assert "<script>window.__xss=7</script>" in page.locator("blockquote.need").inner_text()  # the buyer's text, as text
    assert page.input_value("#plan-lines tr >> nth=0 >> input[name=name]") == "ceramic mug"  # the model's markup named nothing
    page.click("#start-run")
    page.wait_for_selector("#after:not([hidden])", timeout=60_000)
    assert page.locator("a[href='/offers/off_xssxssxssxssxss2']").count() >= 1  # the hostile offer is in the report
    assert "1 model call(s)" in page.locator("#run-body").inner_text()  # the plan's call, counted when the run executes
    _shot(page, "7-xss-report")
    for url in ("/catalog?q=ceramic+mug+onerror", "/products/prd_xssxssxssxssxss2", "/suppliers/sup_xssxssxssxssxss2"):
        page.goto(url)
        assert page.evaluate("window.__xss") is None, url
        assert page.locator("a[href^='javascript:'], iframe, img[src^='http'], [onerror], [onload]").count() == 0, url
    origin = page.url.split("/", 3)[:3]
    assert all(r.split("/", 3)[:3] == origin for r in page.requests), [r for r in page.requests if "evil" in r]
    assert not page.errors


def _run_page(page, need: str) -> None:
    page.goto("/")
    page.fill("#need", need)
    page.check("#no-model")
    page.click("#need-form button[type=submit]")
    page.wait_for_url("**/runs/run_*")
    page.click("#start-run")
    page.wait_for_selector("#after:not([hidden])", timeout=60_000)


def test_small_screens_and_the_keyboard(page):
    page.set_viewport_size({"width": 375, "height": 812})
    for url in ("/", "/bulk", "/import", "/catalog?q=mug"):
        page.goto(url)
        assert page.evaluate("document.documentElement.scrollWidth") <= 375, url  # nothing wider than the phone
    _shot(page, "8-home-375")
    _run_page(page, "500 stainless steel travel coffee mugs under 3 USD each, ship to Germany")
    row = page.locator("table.options tbody tr").first
    cells = row.locator("td")
    assert cells.count() == 11
    for i in range(cells.count()):  # each option is a card: every value on screen under its column's name (was cut off)
        box = cells.nth(i).bounding_box()
        assert box and box["width"] > 0 and box["x"] >= 0 and box["x"] + box["width"] <= 375, i
    label = page.evaluate("getComputedStyle(document.querySelector('table.options td[data-label=Match]'), '::before').content")
    assert label == '"Match"'
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    _shot(page, "9-report-375")
    page.set_viewport_size({"width": 1440, "height": 900})
    page.goto("/")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to content"
    page.keyboard.press("Enter")
    for _ in range(3):  # the need box, then the example buttons, all reachable with Tab
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.className") == "example":
            break
    assert page.evaluate("document.activeElement.className") == "example"
    page.keyboard.press("Enter")
    assert page.input_value("#need").startswith("We need 500 ceramic coffee mugs")


def test_arabic_right_to_left_and_a_chinese_need_in_chinese(page):
    page.goto("/?lang=ar")
    assert page.evaluate("document.dir") == "rtl" and page.locator("h1").inner_text() == "ماذا تحتاج أن تشتري؟"
    brand = page.locator(".brand").bounding_box()
    assert brand["x"] > 375  # right to left: the brand sits at the right edge
    page.click("#need-form button[type=submit]")
    assert page.locator("#form-error").inner_text().startswith("اكتب ما تحتاجه أولاً")  # app.js speaks the page's language
    _shot(page, "10-home-ar")
    page.goto("/?lang=en")  # the choice is remembered in a cookie: reset it, then the need's language leads
    page.context.clear_cookies(name="tw_lang")  # the language cookie only: the session stays
    _run_page(page, "需要600个不锈钢保温杯，单价不超过3美元")
    assert page.evaluate("document.documentElement.lang") == "zh" and "物料清单与可选报价" in page.locator("#run-body").inner_text()
    _shot(page, "11-report-zh")
    assert not page.errors


def test_an_operator_approves_one_action_and_rejects_another_in_the_queue(browser, app_url):
    from tradewinds.accounts import Actor, Role
    from tradewinds.actions import ActionRequest

    from action_types import create_wallet, moves

    services = app_url.app.state.services
    create_wallet(services.repo.engine)
    agent = Actor(kind="agent", id="refund-agent", role=Role.operator, run_id="run_browser")
    asked = [services.ledger.submit(ActionRequest(workspace_id="local", type="test.transfer", params={"to": f"cust_{i}", "amount": "180"},
                                                  idempotency_key=f"browser-queue-{i}", actor=agent, reason=f"parcel {i} lost"))
             for i in (1, 2)]
    assert [a.status for a in asked] == ["pending_approval"] * 2
    before = moves(services.repo.engine, "local")
    context = browser.new_context(viewport={"width": 1280, "height": 900}, base_url=app_url)
    pg = context.new_page()
    log_in(pg, app_url.app, user="olive-operator", role="operator")
    pg.goto("/actions")
    for action, button, reason in ((asked[0], "Approve", "tracking shows lost"), (asked[1], "Reject", "delivered and signed")):
        card = pg.locator(f"section#{action.id}")
        card.get_by_label("Reason").fill(reason)
        card.get_by_role("button", name=button).click()
        pg.wait_for_url(f"**/actions?decided={action.id}")
        assert pg.locator(f"section#{action.id}").count() == 0  # no longer waiting
    _shot(pg, "approvals")
    assert [services.ledger.get("local", a.id).status for a in asked] == ["applied", "rejected"]
    assert moves(services.repo.engine, "local") == before + 1  # the approved one paid, the rejected one did not
    assert pg.locator("table").get_by_text("applied").count() >= 1 and pg.locator("table").get_by_text("rejected").count() >= 1
    context.close()


def test_the_shop_orders_page_leads_to_an_order_and_its_tracking_timeline(page, app_url):
    from tradewinds.shop.demo import demo_shop

    people, products, orders = demo_shop(12, seed=11)
    app_url.app.state.services.shop("local").write(customers=people, products=products, orders=orders)
    held = next(o for o in orders if o.shipments and o.shipments[0].latest.status == "customs_hold")
    page.goto("/shop?status=shipped")
    row = page.locator("#orders tr", has_text=held.id)
    assert row.count() == 1 and "customs_hold" in row.inner_text()
    row.get_by_role("link", name=held.id).click()
    page.wait_for_url("**/shop/orders/**")
    assert page.locator("#order-status").inner_text() == "shipped"
    steps = page.locator("ol.timeline li strong").all_inner_texts()
    assert steps[0] == "customs_hold" and steps[-1] == "label_created"  # newest first
    _shot(page, "shop-order")
    page.locator("dd a").first.click()  # the customer
    page.wait_for_url("**/shop/customers/**")
    assert held.id in page.locator("main").inner_text() and not page.errors


def test_a_customer_chats_through_the_shops_link_and_a_person_takes_over_in_the_inbox(page, browser, app_url):
    import json as _json

    from test_support import MIA, ORDERS, PRODUCTS, USERS
    from tradewinds.shop.importers import import_shop

    services = app_url.app.state.services
    folder = services.settings.data_dir / "support-shop"
    folder.mkdir(exist_ok=True)
    for name, data in (("users", USERS), ("orders", ORDERS), ("products", PRODUCTS)):
        (folder / f"{name}.json").write_text(_json.dumps(data), encoding="utf-8")
    import_shop(services.shop("local"), folder)
    page.goto("/support")
    page.get_by_role("button", name="New chat link").click()
    link = page.locator("#chat-link").inner_text()
    assert "/chat/chat_" in link
    customer = browser.new_context(viewport={"width": 420, "height": 800}).new_page()  # no login: a shop's customer
    customer.errors = []
    customer.on("pageerror", lambda e: customer.errors.append(str(e)))
    customer.goto(link)
    for text, expect in ((f"{MIA} Where is my order #W1000002? {XSS}", "delivered"), ("I want to talk to a real person", "colleague")):
        customer.get_by_label("Your message").fill(text)
        customer.get_by_role("button", name="Send").click()
        customer.locator("li.msg.agent", has_text=expect).wait_for()
    assert customer.evaluate("window.__xss") is None and not customer.errors  # the customer's markup shown as text
    _shot(customer, "support-chat")
    page.goto("/support?status=handed_off")
    page.locator("#conversations a").first.click()
    page.wait_for_url("**/support/conversations/**")
    assert "Mia Lopez" in page.locator("#handoff").inner_text() and "#W1000002" in page.locator("#handoff").inner_text()
    assert page.evaluate("window.__xss") is None
    page.get_by_role("button", name="Send the suggested reply").click()
    page.wait_for_url("**/support/conversations/**")
    assert page.locator("li.msg.staff").count() == 1
    _shot(page, "support-inbox")
    customer.get_by_label("Your message").fill("thanks, still there?")
    customer.get_by_role("button", name="Send").click()
    customer.locator("li.msg.agent", has_text="taking over from our assistant").wait_for()  # the person's reply reaches the customer
    assert not page.errors


def test_refunds_learn_by_upload_decide_and_a_person_resolves_an_escalated_case(page, app_url, tmp_path):
    from tradewinds.seller.refunds.cases import write_cases, write_history
    from tradewinds.seller.refunds.demo import history

    past, new = tmp_path / "past.csv", tmp_path / "new.csv"
    write_history(past, history("photo_partial", 600, seed=31))
    write_cases(new, history("photo_partial", 60, seed=32))
    page.goto("/refunds")
    assert "No policy learned yet" in page.locator("#policy").inner_text()
    page.set_input_files("#history", str(past))
    page.get_by_role("button", name="Learn").click()
    page.wait_for_url("**/refunds")
    assert "Learned from 600 past decisions (past.csv" in page.locator("#policy").inner_text()
    page.set_input_files("#cases", str(new))
    page.get_by_role("button", name="Decide").click()
    assert "60 case(s) decided." in page.locator("#decided").inner_text() and "Preview" in page.locator("#decided").inner_text()
    # a case the agent was not sure of: a person decides it from its page
    desk = app_url.app.state.services.refunds("local")
    case_id = page.locator("#recent tbody tr td a").first.inner_text()
    stored = desk.store.get(case_id)
    desk.store.put(stored.case, stored.decision.model_copy(update={"decision": "escalate"}), "escalated", decided_by="refund-agent")
    page.goto("/refunds")
    page.locator("#queue").get_by_role("link", name=case_id).click()
    page.wait_for_url(f"**/refunds/cases/{case_id}")
    assert page.locator("#reasons li").count() >= 1 and page.locator("#message").inner_text()
    page.select_option("#decision-choice", "partial_refund")
    page.fill("#amount", str(stored.case.item_price + 1))  # more than was paid: refused on the page, nothing paid
    page.fill("#note", "goodwill")
    page.get_by_role("button", name="Decide and carry out").click()
    assert "more than the" in page.locator(".error").inner_text() and desk.store.get(case_id).status == "escalated"
    page.select_option("#decision-choice", "reject")
    page.fill("#note", "no photos after two reminders")
    page.get_by_role("button", name="Decide and carry out").click()
    page.wait_for_url(f"**/refunds/cases/{case_id}")
    assert "reject" in page.locator("#decision").inner_text() and "executed" in page.locator("#decision").inner_text()
    _shot(page, "refund-case")
    assert not page.errors
