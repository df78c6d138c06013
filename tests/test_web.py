"""The web app's server side over real HTTP: pages, headers, error pages, the API it relies on
(plan-only runs edited then started, bulk column preview, catalog import upload)."""

import time

import httpx
import pytest
from conftest import live_server

from tradewinds.api.app import create_app
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
    r = httpx.get(web + path)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert r.headers["content-security-policy"] == CSP and "script-src 'self'" in CSP and "img-src 'self'" in CSP
    assert '<script src="/static/app.js" defer></script>' in r.text and "cdn" not in r.text.lower()
    assert httpx.get(web + "/static/app.js").status_code == 200


def test_record_pages_and_browsers_following_report_links_land_on_them(web, demo_services):
    offer_id, product_id, supplier_id = (_any(demo_services, p) for p in ("off", "prd", "sup"))
    for kind, record_id in (("offers", offer_id), ("products", product_id), ("suppliers", supplier_id)):
        page = httpx.get(f"{web}/{kind}/{record_id}")
        assert page.status_code == 200 and record_id in page.text
        as_browser = httpx.get(f"{web}/v1/{kind}/{record_id}", headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
        assert as_browser.status_code == 303 and as_browser.headers["location"] == f"/{kind}/{record_id}"
        assert httpx.get(f"{web}/v1/{kind}/{record_id}").json()["id"] == record_id  # API clients still get JSON


def test_errors_are_pages_for_people_and_json_for_the_api(web):
    page = httpx.get(f"{web}/runs/run_000000000000")
    assert page.status_code == 404 and "text/html" in page.headers["content-type"] and "no sourcing run" in page.text
    api = httpx.get(f"{web}/v1/sourcing/runs/run_000000000000")
    assert api.status_code == 404 and api.json()["error"]["code"] == "not_found"


def test_a_planned_run_is_edited_then_started(web):
    r = httpx.post(f"{web}/v1/sourcing/runs", json={"need": "500 ceramic coffee mugs, under 3 USD each", "no_model": True, "start": False})
    assert r.status_code == 202 and r.json()["status"] == "planned"
    run_id, (line,) = r.json()["run_id"], r.json()["ledger"]["lines"]
    assert 'data-line-id="L1"' in httpx.get(f"{web}/runs/{run_id}").text  # the editable plan
    bad = httpx.post(f"{web}/v1/sourcing/runs/{run_id}/start", json={"plan": {"lines": [{"id": "L9", "name": "mug", "quantity": 1}]}})
    assert bad.status_code == 422 and "no line(s) L9" in bad.json()["error"]["message"]
    edit = {"lines": [{"id": line["id"], "name": "ceramic coffee mug", "quantity": 800, "max_unit_price": 2.5},
                      {"id": None, "name": "cotton t-shirt", "quantity": 300}]}
    started = httpx.post(f"{web}/v1/sourcing/runs/{run_id}/start", json={"plan": edit, "no_model": True})
    assert started.status_code == 202
    for _ in range(200):
        run = httpx.get(f"{web}/v1/sourcing/runs/{run_id}").json()
        if run["status"] != "running":
            break
        time.sleep(0.1)
    assert run["status"] == "done"
    mug, shirt = run["ledger"]["lines"]
    assert (mug["quantity"], mug["max_unit_price"], shirt["id"], shirt["name"]) == (800, 2.5, "L2", "cotton t-shirt")
    assert [r["quantity"] for r in run["report"]["lines"]] == [800, 300]
    body = httpx.get(f"{web}/ui/runs/{run_id}/body").text
    assert 'id="line-L1"' in body and 'id="line-L2"' in body and "/offers/off_" in body


def test_bulk_columns_are_previewed_before_a_job_starts(web):
    sheet = "Ref,Producto,Cant.,Precio objetivo\nA1,LED bulb E27 9W,3000,$0.90\nA2,陶瓷马克杯,500,¥12\n"
    r = httpx.post(f"{web}/v1/bulk/mapping", files={"file": ("lista.csv", sheet.encode(), "text/csv")}, data={"map": "ref=A"})
    assert r.status_code == 200
    body = r.json()
    assert body["mapping"]["columns"] == {"ref": 0, "item": 1, "qty": 2, "price": 3} and body["mapping"]["source"]["ref"] == "user"
    assert body["columns"] == ["A: Ref", "B: Producto", "C: Cant.", "D: Precio objetivo"]
    bulb, mug = body["preview"]
    assert (bulb["searched_as"], bulb["quantity"], bulb["specs"]) == ("LED bulb", 3000, ["E27", "9W"])
    assert (mug["searched_as"], mug["currency"]) == ("ceramic mug", "CNY")
    refused = httpx.post(f"{web}/v1/bulk/mapping", files={"file": ("old.xls", b"\xd0\xcf\x11\xe0", "application/vnd.ms-excel")})
    assert refused.status_code == 422 and refused.json()["error"]["hint"]


def test_catalog_import_reports_bad_rows_and_makes_good_ones_searchable(web):
    header = ("offer_id,product_id,title,description,hs_code,attributes,supplier_id,supplier_name,supplier_country,"
              "supplier_certifications,capabilities,currency,price_tiers,moq,lead_time_days,incoterm,certifications\n")
    good = "W-1,WP-1,Zanzibar teak serving board,Oiled teak,441990,,WS-1,Stone Town Crafts,TZ,,OEM,USD,50:4.20,50,30,FOB,\n"
    bad = "W-2,WP-2,Broken row,,441990,,WS-1,Stone Town Crafts,TZ,,OEM,USD,50:abc,50,30,FOB,\n"
    r = httpx.post(f"{web}/v1/catalog/imports", files={"file": ("teak.csv", (header + good + bad).encode(), "text/csv")}, timeout=60)
    assert r.status_code == 200
    report = r.json()
    assert (report["rows_read"], report["offers_upserted"], report["rows_skipped"]) == (2, 1, 1) and "offer_ids" not in report
    (issue,) = report["issues"]
    assert issue["row"] == 2 and issue["field"] == "price_tiers" and issue["fix"]
    hits = httpx.get(f"{web}/v1/search", params={"q": "Zanzibar teak serving board"}).json()["hits"]
    assert hits and hits[0]["title"] == "Zanzibar teak serving board"  # indexed right away
    page = httpx.post(f"{web}/import", files={"file": ("teak.csv", (header + bad).encode(), "text/csv")}, data={"strict": "true"})
    assert page.status_code == 400 and "refused, nothing was written" in page.text and "price_tiers" in page.text
