"""The HTTP API on a real uvicorn server, and the CLI in a real subprocess."""

import json
import os
import subprocess
import sys

import httpx
import pytest

from tradewinds.server import create_app
from tradewinds.errors import ConfigError, ConflictError, PermissionDeniedError, RefusedError
from tradewinds.models.chat import ModelError
from tradewinds.sourcing.report import GroundingError

from conftest import api_key, live_server


@pytest.fixture(scope="module")
def server(demo_services):
    with live_server(create_app(demo_services)) as url:
        yield url


def test_search_and_record_endpoints(server):
    r = server.get(f"{server}/v1/search", params={"q": "ceramic mug", "qty": 1000, "cert": "FDA", "limit": 5})
    assert r.status_code == 200
    body = r.json()
    assert body["hits"] and body["facets"]["certifications"]
    for h in body["hits"]:
        assert "FDA" in h["certifications"] and h["moq"] <= 1000
    hit = body["hits"][0]
    product = server.get(f"{server}/v1/products/{hit['product_id']}").json()
    assert product["id"] == hit["product_id"] and hit["offer_id"] in [o["id"] for o in product["offers"]]
    assert server.get(f"{server}/v1/suppliers/{hit['supplier_id']}").json()["country"] == hit["supplier_country"]
    assert server.get(f"{server}/v1/offers/{hit['offer_id']}").json()["moq"] == hit["moq"]
    assert "/v1/search" in server.get(f"{server}/openapi.json").json()["paths"]


@pytest.mark.parametrize("path,status,code", [
    ("/v1/products/prd_aaaaaaaaaaaaaaaa", 404, "not_found"),
    ("/v1/products/not-an-id", 422, "bad_input"),
    ("/v1/search?q=mug&qty=-3", 422, "bad_input"),
    ("/v1/search", 422, "bad_input"),
    ("/v1/nowhere", 404, "not_found"),
    ("/v1/sourcing/runs/run_" + "a" * 300, 404, "not_found"),  # found by the fuzz test: 'File name too long' was a 500
])
def test_one_error_shape(server, path, status, code, demo_services):
    r = server.get(server + path)
    assert r.status_code == status
    err = r.json()["error"]
    assert err["code"] == code and err["message"]
    assert str(demo_services.settings.data_dir) not in r.text  # no server paths in what a user sees


@pytest.mark.filterwarnings("ignore:Using `httpx` with `starlette.testclient`")
def test_unexpected_errors_keep_the_error_shape(demo_services):
    from fastapi.testclient import TestClient

    class Broken:
        def scoped(self, workspace_id):
            return self

        def search(self, request):
            raise RuntimeError("secret internal detail")

    app = create_app(demo_services)
    app.state.services = type(demo_services)(settings=demo_services.settings, repo=demo_services.repo,
                                             backend=demo_services.backend, search=Broken())
    r = TestClient(app, raise_server_exceptions=False, base_url="http://127.0.0.1").get(
        "/v1/search", params={"q": "mug"}, headers={"Authorization": f"Bearer {api_key(app)}"})
    assert r.status_code == 500 and r.json()["error"]["code"] == "internal_error"
    assert "secret" not in r.text


def _cli(*args, env):
    return subprocess.run([sys.executable, "-m", "tradewinds", *args], capture_output=True, text=True, env=env, timeout=120)


def test_cli_search_json_respects_filters(demo_services):
    env = {**os.environ, "TRADEWINDS_DATA_DIR": str(demo_services.settings.data_dir)}
    env.pop("TRADEWINDS_DEBUG", None)
    out = _cli("search", "office chair", "--qty", "100", "--max-price", "150", "--country", "CN,VN", "--format", "json", env=env)
    assert out.returncode == 0, out.stderr
    hits = json.loads(out.stdout)["hits"]
    assert hits and all(h["supplier_country"] in ("CN", "VN") and h["unit_price"] <= 150 for h in hits)
    bad = _cli("catalog", "show", "prd_aaaaaaaaaaaaaaaa", env=env)
    assert bad.returncode == 2 and "no product with id" in bad.stderr and "Traceback" not in bad.stderr
    assert "Search offers" in _cli("--help", env=env).stdout


def _sse(client: httpx.Client, url: str) -> list[tuple[str, dict]]:
    events, kind = [], None
    with client.stream("GET", url, timeout=60) as r:
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/event-stream")
        for line in r.iter_lines():
            if line.startswith("event: "):
                kind = line[7:]
            elif line.startswith("data: "):
                events.append((kind, json.loads(line[6:])))
    return events


def test_sourcing_run_over_http_streams_steps_and_follows_up(server, demo_services):
    with httpx.Client(base_url=server, headers=server.headers, timeout=60) as client:
        r = client.post("/v1/sourcing/runs", json={"need": "We need 300 vacuum insulated tumblers, under 9 USD each", "no_model": True})
        assert r.status_code == 202, r.text
        run = r.json()
        assert run["run_id"].startswith("run_") and run["ledger"]["lines"][0]["quantity"] == 300
        events = _sse(client, run["events_url"])
        steps = [k for k, _ in events]
        assert steps[0] == "plan" and "line_done" in steps and steps[-1] == "done"
        line_done = next(d for k, d in events if k == "line_done")
        assert line_done["data"]["options"]  # first results arrive before the report
        done = client.get(f"/v1/sourcing/runs/{run['run_id']}").json()
        assert done["status"] == "done" and done["report"]["lines"][0]["options"]
        assert set(o["offer_id"] for o in done["report"]["lines"][0]["options"]) <= set(done["report"]["citations"])
        pdf = client.get(f"/v1/sourcing/runs/{run['run_id']}/report.pdf")
        assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf" and pdf.content.startswith(b"%PDF-")
        assert f"sourcing-{run['run_id']}.pdf" in pdf.headers["content-disposition"]
        md = client.get(f"/v1/sourcing/runs/{run['run_id']}/report.md").text
        public = demo_services.settings.public_url.rstrip("/")  # links point at the configured address, not the Host header
        assert f"({public}/v1/offers/{done['report']['lines'][0]['options'][0]['offer_id']})" in md
        assert client.get(f"/v1/sourcing/runs/{run['run_id']}/report.docx").json()["error"]["code"] == "bad_input"
        r = client.post(f"/v1/sourcing/runs/{run['run_id']}/follow-ups", json={"message": "only suppliers outside China"})
        assert r.status_code == 202
        assert _sse(client, r.json()["events_url"])[-1][0] == "done"
        after = client.get(f"/v1/sourcing/runs/{run['run_id']}").json()["report"]
        assert after["changes"] == ["suppliers not from CN"]
        assert all(o["supplier_country"] != "CN" for o in after["lines"][0]["options"])
        assert client.get("/v1/sourcing/runs/run_nope").json()["error"]["code"] == "not_found"
        bad = client.post(f"/v1/sourcing/runs/{run['run_id']}/follow-ups", json={"message": "hello there"})
        failed = _sse(client, bad.json()["events_url"])
        assert failed[-1][0] == "error" and "changes the requirements" in failed[-1][1]["message"]


def test_bulk_upload_over_http_streams_lines_and_serves_the_plan(server):
    sheet = "Item,Qty,Target price (USD)\nceramic coffee mug,500,3\ncotton t-shirt,1000,4\nnuclear reactor control rod,5,50\n"
    with httpx.Client(base_url=server, headers=server.headers, timeout=60) as client:
        r = client.post("/v1/bulk", files={"file": ("needs.csv", sheet.encode(), "text/csv")}, data={"max_suppliers": "3"})
        assert r.status_code == 202, r.text
        job = r.json()
        assert job["mapping"]["columns"] == {"item": 0, "qty": 1, "price": 2}
        events = _sse(client, job["events_url"])
        assert [k for k, _ in events].count("line_done") == 3 and events[-1][0] == "done"
        done = client.get(f"/v1/bulk/{job['job_id']}").json()
        assert done["status"] == "done" and done["plan"]["optimised"]["suppliers"] <= 3
        assert [line["flagged"] for line in done["plan"]["lines"]][-1] == "no adequate offer in the catalog"
        xlsx = client.get(f"/v1/bulk/{job['job_id']}/plan.xlsx")
        assert xlsx.status_code == 200 and xlsx.content.startswith(b"PK")
        bomb = client.post("/v1/bulk", files={"file": ("x.xls", b"\xd0\xcf\x11\xe0" + b"\0" * 64, "application/vnd.ms-excel")})
        assert bomb.status_code == 422 and "legacy .xls" in bomb.json()["error"]["message"]
        assert client.get("/v1/bulk/bulk_000000000000").json()["error"]["code"] == "not_found"


@pytest.mark.parametrize("method, path, kwargs, field", [
    # each answered 500 before (schemathesis, issue 16): now a 422 in the one error shape, naming what is wrong
    ("post", "/v1/sourcing/runs", {"json": {"need": "300 ceramic mugs", "no_model": True,
                                            "supplier_weights": {"certifications": 1.7e308, "years": 1.7e308}}},
     "body.supplier_weights.certifications"),
    ("post", "/v1/sourcing/runs/{run}/follow-ups", {"content": b"\xff\xfe only CE", "headers": {"content-type": "text/plain"}},
     "body"),
    ("post", "/v1/sourcing/runs/{run}/start", {"content": b"a=1", "headers": {"content-type": "application/x-www-form-urlencoded"}},
     "body"),
    ("get", "/v1/search", {"params": {"q": "mug", "qty": 2**63}}, "query.qty"),
    ("get", "/v1/search", {"params": {"q": "mug", "max_lead_time": 2**63}}, "query.max_lead_time"),
])
def test_inputs_that_crashed_the_server_are_refused_with_the_field_named(server, method, path, kwargs, field):
    with httpx.Client(base_url=server, headers=server.headers, timeout=60) as client:
        if "{run}" in path:
            run = client.post("/v1/sourcing/runs", json={"need": "300 ceramic mugs", "no_model": True, "start": False}).json()
            path = path.format(run=run["run_id"])
        r = getattr(client, method)(path, **kwargs)
        assert r.status_code == 422, r.text
        err = r.json()["error"]
        assert err["code"] == "bad_input" and err["details"][0]["field"] == field
        assert not any(isinstance(d["value"], str) and len(d["value"]) > 300 for d in err["details"])


def test_a_need_of_one_digit_and_control_characters_end_in_a_clear_answer(server):
    with httpx.Client(base_url=server, headers=server.headers, timeout=60) as client:
        r = client.post("/v1/sourcing/runs", json={"need": "0", "no_model": True})
        assert r.status_code == 422 and r.json()["error"]["code"] == "not_a_product"
        run = client.post("/v1/sourcing/runs", json={"need": "300 ceramic mugs\x01\x0b with logo\x1f", "no_model": True}).json()
        _sse(client, run["events_url"])
        xlsx = client.get(f"/v1/sourcing/runs/{run['run_id']}/report.xlsx")
        assert xlsx.status_code == 200 and xlsx.content.startswith(b"PK")


@pytest.mark.filterwarnings("ignore:Using `httpx` with `starlette.testclient`")
@pytest.mark.parametrize("error, status", [
    (ModelError("the provider answered 500"), 502),
    (GroundingError(["invented price 1.00 for off_x"]), 502),
    (ConfigError("no exchange rate for XYZ", hint="set TRADEWINDS_FX_RATES"), 503),
    (ConflictError("idempotency key reused"), 409),
    (RefusedError("over the per-action limit"), 403),
    (PermissionDeniedError("viewer cannot approve"), 403),
], ids=lambda v: type(v).__name__ if isinstance(v, Exception) else str(v))
def test_each_kind_of_failure_has_its_own_status_in_the_one_shape(error, status):
    from fastapi import FastAPI
    from fastapi.testclient import TestClient

    from tradewinds.api import errors

    app = FastAPI()
    errors.install(app)

    @app.get("/v1/fail")
    def fail():
        raise error

    r = TestClient(app, raise_server_exceptions=False).get("/v1/fail")
    assert r.status_code == status and r.json()["error"]["code"] == error.code


def test_a_foreign_host_is_refused(server):
    r = server.get(f"{server}/v1/search", params={"q": "mug"}, headers={"Host": "evil.example"})
    assert r.status_code == 400 and r.json()["error"]["code"] == "host_not_allowed"
    assert server.get(f"{server}/v1/search", params={"q": "mug"}, headers={"Host": "localhost:1234"}).status_code == 200


def test_a_cross_site_post_is_refused_and_changes_nothing(server, demo_services):
    before = demo_services.repo.counts()
    feed = "external_id,title,supplier_name,supplier_country,price,currency,moq\nx1,Evil mug,Evil Co,CN,0.01,USD,1\n"
    files = {"file": ("feed.csv", feed.encode(), "text/csv")}
    for headers in ({"Origin": "http://evil.example"}, {"Origin": "null"}, {"Sec-Fetch-Site": "cross-site"}):
        r = server.post(f"{server}/v1/catalog/imports", files=files, headers=headers)
        assert r.status_code == 403 and r.json()["error"]["code"] == "cross_site", headers
    assert demo_services.repo.counts() == before
    same = server.post(f"{server}/v1/sourcing/runs", json={"need": "300 ceramic mugs", "no_model": True, "start": False},
                      headers={"Origin": server})
    assert same.status_code == 202


def test_a_downloaded_report_runs_no_script_and_links_to_the_configured_address(server, demo_services):
    with httpx.Client(base_url=server, headers=server.headers, timeout=60) as client:
        run = client.post("/v1/sourcing/runs", json={"need": "We need 300 vacuum insulated tumblers", "no_model": True}).json()
        _sse(client, run["events_url"])
        port = server.rsplit(":", 1)[1]
        html = client.get(f"/v1/sourcing/runs/{run['run_id']}/report.html", headers={"Host": f"localhost:{port}"})
    assert html.status_code == 200 and "default-src 'none'" in html.headers["content-security-policy"]
    assert "script-src" not in html.headers["content-security-policy"]  # nothing may run
    public = demo_services.settings.public_url.rstrip("/")
    assert f'href="{public}/v1/' in html.text and f"localhost:{port}" not in html.text


def test_a_database_password_never_reaches_a_message():
    from tradewinds.db import make_engine
    from tradewinds.errors import ConfigError

    with pytest.raises(ConfigError) as info:
        make_engine("postgresql+nosuchdriver://tw:s3cret@db.internal/tradewinds")
    assert "s3cret" not in str(info.value) and "tw:***@db.internal" in str(info.value)
