"""Accounts and access over real HTTP: a route x role x workspace matrix built from the app's own route table (a
route added without an access rule fails it), sessions with CSRF tokens, API keys, quotas, the audit of it all."""

from __future__ import annotations

import re
import subprocess
from urllib.parse import quote
import sys

import httpx
import pytest
from fastapi.routing import iter_route_contexts
from sqlalchemy import text

from conftest import api_key, live_server
from tradewinds.accounts import Role, at_least
from tradewinds.accounts.schemas import Quotas
from tradewinds.accounts.service import SYSTEM
from tradewinds.actions.audit import verify
from tradewinds.api.auth import rule_of
from tradewinds.server import PUBLIC_PATHS, create_app

PUBLIC = {"/healthz", "/login", "/login/{token}", "/chat/{token}", "/chat/{token}/messages",  # a shop's chat link is its token
          "/v1/disputes/webhook/{workspace_id}"}  # Stripe's signature is its credential
CSV = ("offer_id,product_id,title,description,hs_code,attributes,supplier_id,supplier_name,supplier_country,supplier_certifications,"
       "capabilities,currency,price_tiers,moq,lead_time_days,incoterm,certifications\n"
       "A-1,AP-1,Quokka alpine walnut cutting board,,441990,,AS-1,Alpha Woodworks,VN,,OEM,USD,100:2.5,100,30,FOB,\n")


@pytest.fixture(scope="module")
def site(demo_services):
    app = create_app(demo_services)
    with live_server(app, role=None) as url:
        alpha = url.as_("owner", "alpha")
        assert alpha.post("/v1/catalog/imports", files={"file": ("alpha.csv", CSV.encode(), "text/csv")}, timeout=60).json()["offers_upserted"] == 1
        run = alpha.post("/v1/sourcing/runs", json={"need": "300 ceramic mugs", "no_model": True, "start": False}).json()
        hit = alpha.get("/v1/search", params={"q": "Quokka alpine walnut cutting board", "limit": 1}).json()["hits"][0]
        offer = alpha.get(f"/v1/offers/{hit['offer_id']}").json()
        assert offer["workspace_id"] == "alpha"
        from tradewinds.shop.demo import demo_shop

        people, products, orders = demo_shop(3, seed=1)
        demo_services.shop("alpha").write(customers=people, products=products, orders=orders)
        conversation = demo_services.support("alpha").start().id
        url.ids = {"run_id": run["run_id"], "conversation_id": conversation, "order_id": quote(orders[0].id, safe=""), "customer_id": people[0].id, "offer_id": offer["id"], "product_id": offer["product_id"], "supplier_id": offer["supplier_id"],
                   "job_id": "bulk_0123456789ab", "key_id": "key_0123456789abcdef", "action_id": "act_" + "a" * 16,
                   "name": "viewer-alpha", "token": "x" * 43, "fmt": "json", "decision": "approve", "case_id": "c1", "dispute_id": "dp_1", "workspace_id": "alpha"}
        yield url


def _routes(app):
    for route in iter_route_contexts(app.routes):
        if route.path in PUBLIC_PATHS or route.path.startswith("/static"):
            continue
        for method in sorted(route.methods or ()):
            if method != "HEAD":
                yield method, route.path, rule_of(route)


def _fill(path: str, ids: dict) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: ids[m.group(1)], path)


def test_every_route_has_an_access_rule_and_only_login_health_and_chat_links_are_public(site):
    routes = list(_routes(site.app))
    assert len(routes) > 50
    missing = [f"{m} {p}" for m, p, rule in routes if rule is None]
    assert missing == [], f"routes without an access rule (add dependencies=[VIEWER/OPERATOR/ADMIN/PUBLIC]): {missing}"
    assert {p for _, p, rule in routes if rule.minimum is None} == PUBLIC


def test_each_role_gets_exactly_what_its_rule_allows_and_no_key_gets_nothing(site):
    keys = {role: site.as_(role.value, "alpha") for role in Role}
    anonymous = site.anonymous()
    wrong = []
    for method, path, rule in _routes(site.app):
        if rule.minimum is None or path.endswith("/events"):
            continue
        url = _fill(path, site.ids)
        r = anonymous.request(method, url, follow_redirects=False, timeout=60)
        page = not path.startswith("/v1/")
        if not (r.status_code == 401 or (page and method == "GET" and r.status_code == 303 and "/login" in r.headers["location"])):
            wrong.append(f"no key: {method} {path} -> {r.status_code}")
        for role, client in keys.items():
            r = client.request(method, url, follow_redirects=False, timeout=60)  # no body: an allowed call fails on input, not access
            if (r.status_code in (401, 403)) == at_least(role, rule.minimum):
                wrong.append(f"{role.value}: {method} {path} -> {r.status_code} (rule {rule})")
    assert wrong == []


def test_another_workspaces_runs_imports_and_pages_answer_404(site):
    beta, alpha, ids = site.as_("owner", "beta"), site.as_("owner", "alpha"), site.ids
    for path in ("/v1/sourcing/runs/{run_id}", "/v1/sourcing/runs/{run_id}/report.json", "/v1/sourcing/runs/{run_id}/events",
                 "/v1/offers/{offer_id}", "/v1/products/{product_id}", "/v1/suppliers/{supplier_id}", "/runs/{run_id}",
                 "/ui/runs/{run_id}/body", "/offers/{offer_id}", "/products/{product_id}", "/v1/shop/orders/{order_id}",
                 "/v1/shop/customers/{customer_id}", "/shop/orders/{order_id}", "/shop/customers/{customer_id}",
                 "/v1/support/conversations/{conversation_id}"):
        assert beta.get(_fill(path, ids)).status_code == 404, path
        assert alpha.get(_fill(path, ids)).status_code in (200, 409), path  # 409: the planned run has no report yet
    assert beta.get("/v1/shop/orders").json()["total"] == 0 and alpha.get("/v1/shop/orders").json()["total"] > 0
    assert beta.post(_fill("/v1/sourcing/runs/{run_id}/start", ids), json={"no_model": True}).status_code == 404
    assert beta.post(_fill("/v1/sourcing/runs/{run_id}/follow-ups", ids), json={"message": "only Vietnam"}).status_code == 404
    query = {"q": "Quokka alpine walnut cutting board", "limit": 5}
    assert ids["offer_id"] in [h["offer_id"] for h in alpha.get("/v1/search", params=query).json()["hits"]]
    assert ids["offer_id"] not in [h["offer_id"] for h in beta.get("/v1/search", params=query).json()["hits"]]
    # the same feed imported by another workspace is its own copy, not an overwrite of alpha's
    assert beta.post("/v1/catalog/imports", files={"file": ("beta.csv", CSV.encode(), "text/csv")}, timeout=60).json()["offers_upserted"] == 1
    theirs = beta.get("/v1/search", params=query).json()["hits"][0]
    assert theirs["offer_id"] != ids["offer_id"] and beta.get(f"/v1/offers/{theirs['offer_id']}").json()["workspace_id"] == "beta"
    assert alpha.get(f"/v1/offers/{ids['offer_id']}").json()["workspace_id"] == "alpha"


def test_a_session_needs_its_csrf_token_and_a_cross_site_post_is_refused(site):
    accounts = site.app.state.accounts
    accounts.add_user("alpha", "olga", Role.operator, by=SYSTEM)
    with httpx.Client(base_url=site, timeout=60) as browser:
        page = browser.get(f"/login/{accounts.login_link('alpha', 'olga')}")
        assert page.status_code == 200 and "olga" not in browser.cookies.get("tw_session", "")  # a link preview logs nobody in
        browser.post(page.url.path, follow_redirects=False)
        cookie = browser.cookies.get("tw_session")
        assert cookie and browser.get("/v1/me").json()["user"] == "olga"
        need = {"need": "200 bamboo cutting boards", "no_model": True, "start": False}
        refused = browser.post("/v1/sourcing/runs", json=need)
        assert refused.status_code == 403 and "CSRF" in refused.json()["error"]["message"]
        csrf = re.search(r'name="csrf-token" content="([^"]+)"', browser.get("/").text).group(1)
        assert browser.post("/v1/sourcing/runs", json=need, headers={"X-CSRF-Token": csrf}).status_code == 202
        cross = browser.post("/v1/sourcing/runs", json=need, headers={"X-CSRF-Token": csrf, "Origin": "http://evil.example"})
        assert cross.status_code == 403 and cross.json()["error"]["code"] == "cross_site"
        assert browser.post(page.url.path, follow_redirects=False).status_code == 401  # the link worked once
        browser.post("/logout", data={"csrf_token": csrf}, follow_redirects=False)
        assert browser.get("/v1/me").status_code == 401
    with httpx.Client(base_url=site, timeout=60) as other:
        other.cookies.set("tw_session", cookie)
        assert other.get("/v1/me").status_code == 401  # logged out is logged out everywhere


def test_keys_are_shown_once_stored_hashed_revocable_and_capped_by_their_users_role(site, demo_services):
    admin = site.as_("admin", "alpha")
    made = admin.post("/v1/keys", json={"name": "shop sync", "role": "operator"})
    assert made.status_code == 201
    token, key_id = made.json()["token"], made.json()["id"]
    assert "token" not in admin.get("/v1/keys").json()[0]
    with demo_services.repo.engine.connect() as conn:
        stored = conn.execute(text("SELECT token_hash, last_used_at FROM api_keys WHERE id = :id"), {"id": key_id}).one()
    assert token not in stored.token_hash and stored.last_used_at is None
    sync = type(site)(str(site), site.app, token)
    assert sync.get("/v1/me").json()["role"] == "operator"
    assert next(k for k in admin.get("/v1/keys").json() if k["id"] == key_id)["last_used_at"] is not None
    assert admin.post("/v1/keys", json={"name": "too strong", "role": "owner"}).status_code == 403  # above the maker's role
    admin.put("/v1/users/admin-alpha/role", json={"role": "viewer"})
    assert sync.get("/v1/me").json()["role"] == "viewer"  # a key never acts above its user's current role
    site.as_("owner", "alpha").put("/v1/users/admin-alpha/role", json={"role": "admin"})
    assert admin.delete(f"/v1/keys/{key_id}").json()["revoked_at"]
    assert sync.get("/v1/me").status_code == 401
    trail = [e.event for e in site.app.state.services.ledger.trail("alpha", limit=200)]
    assert {"key.created", "key.used", "key.revoked", "user.role_changed", "login"} <= set(trail)
    assert verify(demo_services.repo.engine, "alpha").ok


def test_a_key_revoked_by_another_process_stops_working_within_the_cache_window(site, monkeypatch):
    from tradewinds.accounts import service

    here = site.app.state.accounts
    token = api_key(site.app, "viewer", "alpha", user="cache-viewer")
    principal = here.authenticate_key(token)
    elsewhere = service.Accounts(here.engine)  # another process: the CLI, another replica
    elsewhere.revoke_key(principal, principal.key_id)
    assert elsewhere.authenticate_key(token) is None  # where it was revoked: at once
    assert here.recent_key(token) == principal  # here: until KEY_CACHE_S has passed since the lookup
    monkeypatch.setattr(service, "KEY_CACHE_S", 0.0)
    assert here.authenticate_key(token) is None


def test_quotas_refuse_with_429_and_retry_after(site):
    accounts = site.app.state.accounts
    accounts.set_quotas("quota", Quotas(upload_bytes_per_day=100, concurrent_runs=1), by=SYSTEM)
    client = site.as_("owner", "quota")
    r = client.post("/v1/catalog/imports", files={"file": ("big.csv", CSV.encode(), "text/csv")})
    assert r.status_code == 429 and int(r.headers["Retry-After"]) > 0 and "upload bytes" in r.json()["error"]["message"]
    assert accounts.usage("quota")["upload_bytes"] == 0  # a refused upload is not counted
    accounts.set_quotas("quota", Quotas(model_tokens_per_day=10), by=SYSTEM)
    accounts.charge_tokens("quota", 10)
    r = client.post("/v1/sourcing/runs", json={"need": "300 ceramic mugs", "start": False})
    assert r.status_code == 429 and "model tokens" in r.json()["error"]["message"]
    assert client.post("/v1/sourcing/runs", json={"need": "300 ceramic mugs", "no_model": True, "start": False}).status_code == 202


def test_serve_refuses_a_public_address_until_someone_can_log_in(tmp_path):
    import os

    env = {**os.environ, "TRADEWINDS_DATA_DIR": str(tmp_path / "d")}
    env.pop("TRADEWINDS_DEBUG", None)
    r = subprocess.run([sys.executable, "-m", "tradewinds", "serve", "--host", "0.0.0.0"], capture_output=True, text=True, env=env, timeout=120)
    said = " ".join(r.stderr.split())  # the console wraps long lines
    assert r.returncode == 2 and "refusing to serve on 0.0.0.0" in said and "tradewinds keys create" in said


def test_the_cli_makes_a_workspace_and_sets_quotas_past_the_instance_defaults(tmp_path):
    import os

    env = {**os.environ, "TRADEWINDS_DATA_DIR": str(tmp_path / "d"), "TRADEWINDS_CLI_USER": "ops"}

    def cli(*args: str) -> str:
        r = subprocess.run([sys.executable, "-m", "tradewinds", *args], capture_output=True, text=True, env=env, timeout=120)
        assert r.returncode == 0, r.stderr[-2000:]
        return " ".join(r.stdout.split())

    assert "workspace acme created" in cli("workspaces", "create", "acme", "--name", "Acme Ltd")
    assert "concurrent_runs 40" in cli("workspaces", "quotas", "acme", "--runs", "40")  # the machine's operator has no ceiling
    listed = cli("workspaces", "list")
    assert "acme" in listed and "local" in listed and "40" in listed


def test_the_model_tokens_a_run_uses_count_against_its_workspace(demo_services):
    import dataclasses

    from tradewinds.models import FakeChatModel, Gateway

    settings = demo_services.settings.model_copy(update={"model_routes": {"default": ["fake:meter"]}})
    services = dataclasses.replace(demo_services, settings=settings)
    model = FakeChatModel(lambda r: '{"lines": []}', model="meter")
    services._gateway = Gateway(settings, models={"fake:meter": model}, cache=False)
    with live_server(create_app(services), role=None) as url:
        client = url.as_("operator", "metered")
        assert client.post("/v1/sourcing/runs", json={"need": "300 ceramic mugs", "start": False}).status_code == 202
        used = url.app.state.accounts.usage("metered")["model_tokens"]
        assert model.requests and used > 0  # the model was asked, and what it cost is the workspace's
        before = url.app.state.accounts.usage("other")["model_tokens"]
        assert url.as_("operator", "other").post("/v1/sourcing/runs", json={"need": "300 ceramic mugs", "no_model": True,
                                                                          "start": False}).status_code == 202
        assert url.app.state.accounts.usage("other")["model_tokens"] == before == 0  # no model, no tokens; each workspace its own
        url.app.state.accounts.set_quotas("metered", Quotas(model_tokens_per_day=used), by=SYSTEM)
        r = client.post("/v1/sourcing/runs", json={"need": "300 ceramic mugs", "start": False})
        assert r.status_code == 429 and r.headers["Retry-After"]


def test_the_approval_queue_page_shows_a_pending_action_and_its_form_applies_it(site, demo_services):
    from tradewinds.accounts import Actor
    from tradewinds.actions import ActionRequest

    from action_types import create_wallet, moves

    create_wallet(demo_services.repo.engine)
    ledger = site.app.state.services.ledger
    agent = Actor(kind="agent", id="refund-agent", role=Role.operator, run_id="run_1")
    pending = ledger.submit(ActionRequest(workspace_id="approvals", type="test.transfer", params={"to": "cust_9", "amount": "180"},
                                          idempotency_key="web-queue-1", actor=agent, reason="damaged on arrival"))
    assert pending.status == "pending_approval" and moves(demo_services.repo.engine, "approvals") == 0
    viewer, operator = site.as_("viewer", "approvals"), site.as_("operator", "approvals")
    page = viewer.get("/actions").text
    assert pending.id in page and "damaged on arrival" in page and f'action="/actions/{pending.id}/approve"' not in page
    assert viewer.post(f"/actions/{pending.id}/approve", data={"reason": "ok"}).status_code == 403
    assert site.as_("operator", "elsewhere").post(f"/actions/{pending.id}/approve", data={"reason": "ok"}).status_code == 404
    assert f'action="/actions/{pending.id}/approve"' in operator.get("/actions").text
    done = operator.post(f"/actions/{pending.id}/approve", data={"reason": "photos match"}, follow_redirects=False)
    assert done.status_code == 303 and ledger.get("approvals", pending.id).status == "applied"
    assert moves(demo_services.repo.engine, "approvals") == 1
    trail = site.as_("admin", "approvals").get("/audit").text
    assert "action.approved" in trail and "Hash chain intact" in trail


def test_an_owner_makes_a_workspace_switches_to_it_invites_into_it_and_lowers_its_quotas(site):
    accounts = site.app.state.accounts
    accounts.add_user("alpha", "wanda", Role.owner, by=SYSTEM)
    accounts.add_user("alpha", "ursula", Role.viewer, by=SYSTEM)
    with httpx.Client(base_url=site, timeout=60) as browser:
        browser.post(f"/login/{accounts.login_link('alpha', 'wanda')}", follow_redirects=False)
        csrf = lambda: re.search(r'name="csrf-token" content="([^"]+)"', browser.get("/account").text).group(1)  # noqa: E731
        alpha_offers = browser.get("/v1/catalog/stats").json()["indexed_offers"]
        made = browser.post("/account/workspaces", data={"workspace": "gamma", "name": "Gamma Imports", "csrf_token": csrf()})
        assert made.status_code == 303 and browser.get("/v1/me").json() | {"quotas": None, "usage_today": None} == {
            "user": "wanda", "workspace_id": "gamma", "role": "owner", "via": "session", "quotas": None, "usage_today": None}
        assert {w["id"]: w["role"] for w in browser.get("/v1/workspaces").json()} == {"alpha": "owner", "gamma": "owner"}
        # alpha's own offer is not gamma's: neither in its search nor in its count
        assert browser.get(f"/v1/offers/{site.ids['offer_id']}").status_code == 404
        assert browser.get("/v1/catalog/stats").json()["indexed_offers"] == alpha_offers - 1
        assert browser.post("/account/workspaces", data={"workspace": "alpha", "csrf_token": csrf()}).status_code == 409
        assert browser.post("/account/workspace", data={"workspace": "beta", "csrf_token": csrf()}).status_code == 404  # not hers
        # invite an existing user of alpha into gamma; they then belong to both
        token = csrf()
        assert browser.post("/v1/users", json={"name": "ursula", "role": "support"}, headers={"X-CSRF-Token": token}).status_code == 201
        assert {w.id for w in accounts.workspaces(_user_id(accounts, "ursula"))} == {"alpha", "gamma"}
        # quotas: an owner lowers them, never lifts them past the instance's limit
        low = {"model_tokens_per_day": 1000, "concurrent_runs": 1, "upload_bytes_per_day": 10_000}
        assert browser.put("/v1/quotas", json=low, headers={"X-CSRF-Token": token}).json() == low
        lifted = browser.put("/v1/quotas", json={**low, "concurrent_runs": 0}, headers={"X-CSRF-Token": token})
        assert lifted.status_code == 403 and "concurrent_runs" in lifted.json()["error"]["message"]
        assert accounts.quotas("gamma").concurrent_runs == 1 and accounts.quotas("alpha").concurrent_runs != 1
        page = browser.post("/account/quotas", data={**low, "upload_bytes_per_day": 10 ** 15, "csrf_token": token})
        assert page.status_code == 403 and accounts.quotas("gamma").upload_bytes_per_day == 10_000
        assert browser.post("/account/workspace", data={"workspace": "alpha", "csrf_token": token}, follow_redirects=False).status_code == 303
        assert browser.get("/v1/me").json()["workspace_id"] == "alpha"
    assert site.as_("admin", "alpha").put("/v1/quotas", json=low).status_code == 403  # owners only
    assert site.as_("admin", "alpha").post("/v1/workspaces", json={"id": "delta"}).status_code == 403
    trail = [e.event for e in site.app.state.services.ledger.trail("gamma", limit=50)]
    assert {"workspace.created", "login", "user.added", "quotas.changed"} <= set(trail) and verify(site.app.state.services.repo.engine, "gamma").ok


def _user_id(accounts, name: str) -> str:
    with accounts.engine.connect() as conn:
        return conn.execute(text("SELECT id FROM users WHERE name = :n"), {"n": name}).scalar_one()
