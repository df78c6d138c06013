"""The web app's server side over real HTTP: pages, headers, error pages, the API it relies on
(plan-only runs edited then started, bulk column preview, catalog import upload)."""

import time

import pytest
from conftest import live_server

from tradewinds.server import create_app
from tradewinds.web.pages import CSP


@pytest.fixture(scope="module")
def web(demo_services):
    with live_server(create_app(demo_services)) as url:
        yield url


def _any(services, prefix: str) -> str:
    return next(r["id"] if prefix == "off" else r["product_id" if prefix == "prd" else "supplier_id"]
                for batch in services.repo.iter_offer_records(batch_size=10) for r in batch)


@pytest.mark.parametrize("path", ["/", "/catalog", "/catalog?q=ceramic+mug&qty=500&cert=FDA", "/bulk", "/import"])
def test_pages_render_with_a_strict_content_security_policy(web, path):
    r = web.get(web + path)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert r.headers["content-security-policy"] == CSP and "script-src 'self'" in CSP and "img-src 'self'" in CSP
    assert '<script src="/static/app.js" defer></script>' in r.text and "cdn" not in r.text.lower()
    assert web.get(web + "/static/app.js").status_code == 200


def test_record_pages_and_browsers_following_report_links_land_on_them(web, demo_services):
    offer_id, product_id, supplier_id = (_any(demo_services, p) for p in ("off", "prd", "sup"))
    for kind, record_id in (("offers", offer_id), ("products", product_id), ("suppliers", supplier_id)):
        page = web.get(f"{web}/{kind}/{record_id}")
        assert page.status_code == 200 and record_id in page.text
        as_browser = web.get(f"{web}/v1/{kind}/{record_id}", headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
        assert as_browser.status_code == 303 and as_browser.headers["location"] == f"/{kind}/{record_id}"
        assert web.get(f"{web}/v1/{kind}/{record_id}").json()["id"] == record_id  # API clients still get JSON


def test_errors_are_pages_for_people_and_json_for_the_api(web):
    page = web.get(f"{web}/runs/run_000000000000")
    assert page.status_code == 404 and "text/html" in page.headers["content-type"] and "no sourcing run" in page.text
    api = web.get(f"{web}/v1/sourcing/runs/run_000000000000")
    assert api.status_code == 404 and api.json()["error"]["code"] == "not_found"


def test_a_planned_run_is_edited_then_started(web):
    r = web.post(f"{web}/v1/sourcing/runs", json={"need": "500 ceramic coffee mugs, under 3 USD each", "no_model": True, "start": False})
    assert r.status_code == 202 and r.json()["status"] == "planned"
    run_id, (line,) = r.json()["run_id"], r.json()["ledger"]["lines"]
    assert 'data-line-id="L1"' in web.get(f"{web}/runs/{run_id}").text  # the editable plan
    bad = web.post(f"{web}/v1/sourcing/runs/{run_id}/start", json={"plan": {"lines": [{"id": "L9", "name": "mug", "quantity": 1}]}})
    assert bad.status_code == 422 and "no line(s) L9" in bad.json()["error"]["message"]
    edit = {"lines": [{"id": line["id"], "name": "ceramic coffee mug", "quantity": 800, "max_unit_price": 2.5},
                      {"id": None, "name": "cotton t-shirt", "quantity": 300}]}
    started = web.post(f"{web}/v1/sourcing/runs/{run_id}/start", json={"plan": edit, "no_model": True})
    assert started.status_code == 202
    for _ in range(200):
        run = web.get(f"{web}/v1/sourcing/runs/{run_id}").json()
        if run["status"] != "running":
            break
        time.sleep(0.1)
    assert run["status"] == "done"
    mug, shirt = run["ledger"]["lines"]
    assert (mug["quantity"], mug["max_unit_price"], shirt["id"], shirt["name"]) == (800, 2.5, "L2", "cotton t-shirt")
    assert [r["quantity"] for r in run["report"]["lines"]] == [800, 300]
    body = web.get(f"{web}/ui/runs/{run_id}/body").text
    assert 'id="line-L1"' in body and 'id="line-L2"' in body and "/offers/off_" in body


def test_bulk_columns_are_previewed_before_a_job_starts(web):
    sheet = "Ref,Producto,Cant.,Precio objetivo\nA1,LED bulb E27 9W,3000,$0.90\nA2,陶瓷马克杯,500,¥12\n"
    r = web.post(f"{web}/v1/bulk/mapping", files={"file": ("lista.csv", sheet.encode(), "text/csv")}, data={"map": "ref=A"})
    assert r.status_code == 200
    body = r.json()
    assert body["mapping"]["columns"] == {"ref": 0, "item": 1, "qty": 2, "price": 3} and body["mapping"]["source"]["ref"] == "user"
    assert body["columns"] == ["A: Ref", "B: Producto", "C: Cant.", "D: Precio objetivo"]
    bulb, mug = body["preview"]
    assert (bulb["searched_as"], bulb["quantity"], bulb["specs"]) == ("LED bulb", 3000, ["E27", "9W"])
    assert (mug["searched_as"], mug["currency"]) == ("ceramic mug", "CNY")
    refused = web.post(f"{web}/v1/bulk/mapping", files={"file": ("old.xls", b"\xd0\xcf\x11\xe0", "application/vnd.ms-excel")})
    assert refused.status_code == 422 and refused.json()["error"]["hint"]


def test_catalog_import_reports_bad_rows_and_makes_good_ones_searchable(web):
    header = ("offer_id,product_id,title,description,hs_code,attributes,supplier_id,supplier_name,supplier_country,"
              "supplier_certifications,capabilities,currency,price_tiers,moq,lead_time_days,incoterm,certifications\n")
    good = "W-1,WP-1,Zanzibar teak serving board,Oiled teak,441990,,WS-1,Stone Town Crafts,TZ,,OEM,USD,50:4.20,50,30,FOB,\n"
    bad = "W-2,WP-2,Broken row,,441990,,WS-1,Stone Town Crafts,TZ,,OEM,USD,50:abc,50,30,FOB,\n"
    r = web.post(f"{web}/v1/catalog/imports", files={"file": ("teak.csv", (header + good + bad).encode(), "text/csv")}, timeout=60)
    assert r.status_code == 200
    report = r.json()
    assert (report["rows_read"], report["offers_upserted"], report["rows_skipped"]) == (2, 1, 1) and "offer_ids" not in report
    (issue,) = report["issues"]
    assert issue["row"] == 3 and issue["field"] == "price_tiers" and issue["fix"]  # as the spreadsheet numbers it: header = row 1
    hits = web.get(f"{web}/v1/search", params={"q": "Zanzibar teak serving board"}).json()["hits"]
    assert hits and hits[0]["title"] == "Zanzibar teak serving board"  # indexed right away
    page = web.post(f"{web}/import", files={"file": ("teak.csv", (header + bad).encode(), "text/csv")}, data={"strict": "true"})
    assert page.status_code == 400 and "refused, nothing was written" in page.text and "price_tiers" in page.text


# -- issue 15's web defects, each with the request that showed it ----------------------------------------
def test_catalog_search_with_empty_number_fields_is_no_filter_and_a_bad_number_is_named(web):
    empty = web.get(f"{web}/catalog", params={"q": "ceramic mug", "qty": "", "max_price": "", "max_lead_time": "", "currency": "USD"})
    assert empty.status_code == 200 and "/offers/off_" in empty.text  # a form sends every field, filled or not (was 422)
    bad = web.get(f"{web}/catalog", params={"q": "ceramic mug", "qty": "lots"})
    assert bad.status_code == 422 and "text/html" in bad.headers["content-type"] and "quantity" in bad.text and "&#39;lots&#39; is not a number" in bad.text


def test_facet_counts_add_up_to_the_total_not_to_the_page(web):
    body = web.get(f"{web}/v1/search", params={"q": "mug", "limit": 5, "facets": "true"}).json()
    total, countries = body["candidates"], body["facets"]["supplier_country"]
    assert total > 50 and len(body["hits"]) == 5
    assert sum(f["count"] for f in countries) == total  # every matching offer has one supplier country (were the top 50 hits only)
    page = web.get(f"{web}/catalog", params={"q": "mug"}).text
    assert f"Counts cover all {total:,} matching offers" in page


def test_a_need_above_the_limit_is_refused_with_the_limit_named(web):
    from tradewinds.sourcing.understand import MAX_NEED_CHARS

    need = "500 ceramic mugs, " * 2800  # 50,400 characters, once cut silently to 20,000
    r = web.post(f"{web}/v1/sourcing/runs", json={"need": need, "no_model": True})
    error = r.json()["error"]
    assert r.status_code == 422 and f"limit is {MAX_NEED_CHARS:,}" in error["message"] and f"{len(need.strip()):,}" in error["message"]
    assert error["hint"] and "Traceback" not in r.text
    assert f'data-max-chars="{MAX_NEED_CHARS}"' in web.get(web).text  # the page names the limit before sending


def test_an_unreadable_upload_names_the_file_not_a_server_path(web):
    r = web.post(f"{web}/v1/bulk/mapping", files={"file": ("prices.xlsx", b"PK\x03\x04 damaged", "application/octet-stream")})
    message = r.json()["error"]["message"]
    assert r.status_code == 422 and message.startswith("prices.xlsx:") and "/tmp" not in r.text and "tw-bulk-" not in r.text


def test_the_bulk_plan_shows_the_spreadsheets_spec_check(web):
    from tradewinds.bulk.export import spec_check
    from tradewinds.bulk.run import BulkPlan

    sheet = "Item,Qty\nLED bulb E27 9W,3000\nceramic mug 350ml,500\n"
    job = web.post(f"{web}/v1/bulk", files={"file": ("list.csv", sheet.encode(), "text/csv")}, data={"fixed_cost": "100"}).json()
    for _ in range(300):
        if web.get(f"{web}/v1/bulk/{job['job_id']}").json()["status"] != "running":
            break
        time.sleep(0.1)
    plan = BulkPlan.model_validate(web.get(f"{web}/v1/bulk/{job['job_id']}/plan.json").json())
    html = web.get(f"{web}/ui/bulk/{job['job_id']}/plan").text
    chosen = [o for r in plan.lines for o in r.options if o.offer_id == r.chosen_offer_id]
    assert chosen and "Spec check" in html
    for option in chosen:  # the page says what the XLSX says (it showed only a match % before)
        check = spec_check(option)
        assert (check or "-") in html
        if "fails" in (check or ""):
            assert "spec not met" in html


def test_a_model_runtimes_own_error_text_never_reaches_the_page(demo_services, caplog):
    from tradewinds.bootstrap import Services
    from tradewinds.models import FakeChatModel, Gateway, ModelError

    runtime = "llama_decode returned -3 (n_ctx 2048) at /opt/tradewinds/models/qwen2.5-0.5b.gguf"

    def fail(request):
        raise ModelError(runtime)

    class FailingModel(Services):
        def gateway(self) -> Gateway:
            settings = self.settings.model_copy(update={"model_routes": {"default": ["fake:broken"]}})
            return Gateway(settings, models={"fake:broken": FakeChatModel(fail, model="broken")}, cache=False)

    services = FailingModel(demo_services.settings, demo_services.repo, demo_services.backend, demo_services.search)
    with live_server(create_app(services)) as url:
        run = url.post(f"{url}/v1/sourcing/runs", json={"need": "300 stainless steel travel mugs", "start": False})
        assert run.status_code == 202
        page = url.get(f"{url}/runs/{run.json()['run_id']}").text
    assert "llama_decode" not in run.text + page and "/opt/" not in run.text + page
    assert "the model could not read the products" in page  # what happened, in the product's words
    assert runtime in caplog.text  # and the operator still has the details
