"""The action ledger (the money firewall) on SQLite and a real PostgreSQL server."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import text

from tradewinds.accounts import Actor, Role
from tradewinds.actions import ActionLedger, ActionRequest, Limits, Policy, verify
from tradewinds.db import make_engine, upgrade
from tradewinds.errors import BadInputError, ConflictError, NotFoundError, PermissionDeniedError, RefusedError

from action_types import create_wallet, moves

WS = "ws_test"
AGENT = Actor(kind="agent", id="refund-agent", role=Role.operator, run_id="run_1")
OWNER = Actor(kind="user", id="olivia", role=Role.owner)
OPERATOR = Actor(kind="user", id="omar", role=Role.operator)
VIEWER = Actor(kind="user", id="vera", role=Role.viewer)


@pytest.fixture
def ledger(engine):  # conftest's engine: SQLite and PostgreSQL
    create_wallet(engine)
    return ActionLedger(engine)


def pay(amount, key, *, to="cust_1", actor=AGENT, currency="USD", ws=WS):
    return ActionRequest(workspace_id=ws, type="test.transfer", params={"to": to, "amount": str(amount), "currency": currency},
                         idempotency_key=key, actor=actor, reason="customer refund")


def test_an_action_within_the_limits_is_applied_recorded_and_audited(ledger, engine):
    record = ledger.submit(pay(40, "key-00001"))
    assert (record.status, record.result, record.change.after) == ("applied", {"paid": "40"}, {"balance": "40.00"})
    assert moves(engine, WS) == 1
    [event] = ledger.trail(WS)
    assert (event.event, event.action_id, event.actor["id"], event.payload["before"]) == (
        "action.applied", record.id, "refund-agent", {"balance": "0.00"})
    assert verify(engine).ok


def test_the_same_key_gives_the_same_result_and_other_parameters_are_refused(ledger, engine):
    first = ledger.submit(pay(40, "key-00002"))
    again = ledger.submit(pay(40, "key-00002"))
    assert (again.id, again.replayed, moves(engine, WS)) == (first.id, True, 1)
    with pytest.raises(ConflictError, match="key-00002"):
        ledger.submit(pay(41, "key-00002"))
    assert moves(engine, WS) == 1


def test_fifty_threads_submitting_one_key_make_exactly_one_effect(ledger, engine):
    ids, errors, start = [], [], threading.Barrier(50)

    def worker():
        start.wait()
        try:
            ids.append(ledger.submit(pay(25, "key-concurrent")).id)
        except Exception as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(50)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert errors == []
    assert len(ids) == 50 and len(set(ids)) == 1
    assert moves(engine, WS) == 1
    assert [e.event for e in ledger.trail(WS)] == ["action.applied"]


def test_concurrent_actions_never_exceed_the_daily_cap(ledger, engine):
    ledger.set_policy(WS, Policy(money=Limits(per_day=Decimal(100))), OWNER)
    results, start = [], threading.Barrier(12)

    def worker(i):
        start.wait()
        try:
            ledger.submit(pay(10, f"key-cap-{i:03}", to=f"cust_{i}"))
            results.append("applied")
        except RefusedError:
            results.append("refused")

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert sorted(results) == ["applied"] * 10 + ["refused"] * 2
    assert moves(engine, WS) == 10


def test_a_cap_exceeded_is_refused_with_the_limit_named_and_nothing_done(ledger, engine):
    with pytest.raises(RefusedError, match=r"600\.00 USD is over the per-action limit of 500\.00 USD") as info:
        ledger.submit(pay(600, "key-00003"))
    assert "money.per_action" in str(info.value)
    assert moves(engine, WS) == 0 and ledger.list(WS) == []
    [event] = ledger.trail(WS)
    assert (event.event, event.payload["limit"]) == ("action.refused", "money.per_action")
    # a refusal is not stored under the key: the same key succeeds once the request fits
    assert ledger.submit(pay(60, "key-00003")).status == "applied"


def test_daily_counterparty_and_agent_limits_add_up_across_actions(ledger):
    ledger.set_policy(WS, Policy(money=Limits(per_counterparty_day=Decimal(100), per_agent_day=Decimal(150))), OWNER)
    ledger.submit(pay(60, "key-cp-001"))
    with pytest.raises(RefusedError, match=r"60\.00 USD to cust_1 today \+ 50\.00 USD is over the limit of 100\.00 USD"):
        ledger.submit(pay(50, "key-cp-002"))
    ledger.submit(pay(80, "key-cp-003", to="cust_2"))
    with pytest.raises(RefusedError, match="by agent refund-agent today"):
        ledger.submit(pay(20, "key-cp-004", to="cust_3"))
    assert ledger.submit(pay(20, "key-cp-005", to="cust_3", actor=OPERATOR)).status == "applied"  # a person is not that agent


def test_a_limit_in_another_currency_is_converted_at_the_stated_rate(ledger):
    ledger = ActionLedger(ledger.engine, fx_rates={"USD": 1.0, "EUR": 1.1})
    record = ledger.submit(pay(90, "key-fx-001", currency="EUR"))
    assert (record.status, record.amount_in_policy_currency) == ("applied", Decimal("99.0000"))  # 90 EUR at 1.1
    with pytest.raises(RefusedError, match=r"550\.00 USD is over the per-action limit"):
        ledger.submit(pay(500, "key-fx-002", currency="EUR"))
    with pytest.raises(Exception, match="no exchange rate for JPY"):
        ledger.submit(pay(5, "key-fx-003", currency="JPY"))


def test_a_preview_shows_the_exact_effect_and_decision_and_writes_nothing(ledger, engine):
    ledger.submit(pay(30, "key-pv-001"))
    preview = ledger.preview(pay(150, "key-pv-002"))
    assert (preview.change.before, preview.change.after) == ({"balance": "30.00"}, {"balance": "180.00"})
    assert preview.decision.outcome == "needs_approval" and "150.00 USD is over 100.00 USD" in preview.decision.reason
    assert ledger.preview(pay(900, "key-pv-003")).decision.limit == "money.per_action"
    assert moves(engine, WS) == 1 and len(ledger.trail(WS)) == 1


def test_above_the_threshold_an_action_waits_for_a_person_with_the_right_role(ledger, engine):
    big = ledger.submit(pay(300, "key-ap-001"))
    small = ledger.submit(pay(150, "key-ap-002", to="cust_2"))
    assert (big.status, small.status, moves(engine, WS)) == ("pending_approval", "pending_approval", 0)
    assert {r.id for r in ledger.list(WS, status="pending_approval")} == {big.id, small.id}
    with pytest.raises(PermissionDeniedError, match="viewer"):
        ledger.approve(WS, small.id, VIEWER, "looks fine")
    with pytest.raises(PermissionDeniedError, match="operator approval limit of 250.00 USD"):
        ledger.approve(WS, big.id, OPERATOR, "looks fine")
    with pytest.raises(BadInputError, match="reason"):
        ledger.approve(WS, small.id, OPERATOR, " ")
    done = ledger.approve(WS, small.id, OPERATOR, "matches the return")
    assert (done.status, done.decided_by, done.decided_reason) == ("applied", OPERATOR, "matches the return")
    rejected = ledger.reject(WS, big.id, OWNER, "no proof of return")
    assert rejected.status == "rejected" and moves(engine, WS) == 1
    with pytest.raises(ConflictError, match="rejected, not pending"):
        ledger.approve(WS, big.id, OWNER, "changed my mind")
    assert [e.event for e in ledger.trail(WS)][:2] == ["action.rejected", "action.approved"]


def test_no_one_approves_their_own_request(ledger):
    mine = ledger.submit(pay(120, "key-self-01", actor=OPERATOR))
    with pytest.raises(PermissionDeniedError, match="whoever asked"):
        ledger.approve(WS, mine.id, OPERATOR, "fine by me")


def test_an_approval_is_refused_when_the_state_moved_since_the_request(ledger):
    pending = ledger.submit(pay(120, "key-move-01"))
    ledger.submit(pay(10, "key-move-02"))  # the same customer's balance changed meanwhile
    with pytest.raises(ConflictError, match="no longer what was asked"):
        ledger.approve(WS, pending.id, OWNER, "ok")


def test_the_kill_switch_stops_the_next_action_and_holds_pending_ones(ledger, engine):
    pending = ledger.submit(pay(120, "key-ks-001"))
    ledger.set_kill_switch(WS, True, OPERATOR, "refunds look wrong")
    with pytest.raises(RefusedError, match="kill switch of the workspace is on"):
        ledger.submit(pay(10, "key-ks-002"))
    with pytest.raises(RefusedError, match="kill switch"):
        ledger.approve(WS, pending.id, OWNER, "ok")
    with pytest.raises(PermissionDeniedError, match="resume"):
        ledger.set_kill_switch(WS, False, OPERATOR, "fixed")
    ledger.set_kill_switch(WS, False, OWNER, "fixed")
    assert ledger.approve(WS, pending.id, OWNER, "ok").status == "applied"
    # one agent's switch stops that agent only
    ledger.set_kill_switch(WS, True, OWNER, "this agent misbehaves", agent="refund-agent")
    with pytest.raises(RefusedError, match="agent refund-agent"):
        ledger.submit(pay(10, "key-ks-003"))
    assert ledger.submit(pay(10, "key-ks-004", actor=OPERATOR)).status == "applied"
    assert moves(engine, WS) == 2


def test_an_applied_action_can_be_undone_once(ledger, engine):
    record = ledger.submit(pay(40, "key-undo-1"))
    undone = ledger.undo(WS, record.id, OWNER, "paid the wrong customer")
    assert undone.status == "undone" and undone.result["undo"] == {"returned": "40"}
    with engine.connect() as conn:
        assert conn.execute(text("SELECT SUM(amount) FROM test_wallet")).scalar() == 0
    with pytest.raises(ConflictError, match="undone"):
        ledger.undo(WS, record.id, OWNER, "again")


def test_roles_and_workspaces_are_enforced_by_the_ledger(ledger):
    with pytest.raises(PermissionDeniedError, match="viewer cannot ask"):
        ledger.submit(pay(10, "key-role-1", actor=VIEWER))
    record = ledger.submit(pay(10, "key-role-2"))
    with pytest.raises(NotFoundError):
        ledger.get("another_ws", record.id)
    assert ledger.list("another_ws") == []
    with pytest.raises(BadInputError, match="params.amount"):
        ledger.submit(ActionRequest(workspace_id=WS, type="test.transfer", params={"to": "x", "amount": "-5"},
                                    idempotency_key="key-role-3", actor=AGENT))
    with pytest.raises(BadInputError, match="unknown action type 'order.refund'"):
        ledger.submit(ActionRequest(workspace_id=WS, type="order.refund", params={}, idempotency_key="key-role-4", actor=AGENT))


def test_tampering_with_the_audit_trail_is_detected(ledger, engine):
    for i in range(4):
        ledger.submit(pay(10 + i, f"key-tamper-{i}"))
    assert verify(engine).ok and verify(engine).events == 4
    with engine.begin() as conn:
        conn.execute(text("UPDATE audit_events SET payload = :p WHERE seq = 2"), {"p": '{"amount": "1"}'})
    assert any("event 2" in p and "changed" in p for p in verify(engine).problems)


def test_removing_events_from_the_end_of_the_trail_is_detected(ledger, engine):
    for i in range(3):
        ledger.submit(pay(10, f"key-cut-{i}", to=f"c{i}"))
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_events WHERE seq = 3"))
    assert any("removed from the end" in p for p in verify(engine).problems)
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_events WHERE seq = 1"))
    assert any("expected event 1" in p for p in verify(engine).problems)


_CRASH = """
import sys
from tradewinds.accounts import Actor, Role
from tradewinds.actions import ActionLedger, ActionRequest
from tradewinds.db import make_engine
import action_types  # registers test.transfer
ledger = ActionLedger(make_engine(sys.argv[1]))
ledger.submit(ActionRequest(workspace_id="ws_test", type="test.transfer", params={"to": "cust_1", "amount": "40"},
                            idempotency_key="key-crash-1", actor=Actor(kind="agent", id="a", role=Role.operator)))
"""


def test_kill_9_in_the_middle_of_an_action_leaves_neither_effect_nor_record(ledger, engine, tmp_path):
    marker = tmp_path / "effect-done"
    env = {**os.environ, "TW_TEST_PAUSE_AFTER_EFFECT": str(marker), "PYTHONPATH": str(Path(__file__).parent)}
    proc = subprocess.Popen([sys.executable, "-c", _CRASH, engine.url.render_as_string(hide_password=False)], env=env)
    try:
        deadline = time.monotonic() + 60
        while not marker.exists():
            assert proc.poll() is None, "the action process ended before its effect"
            assert time.monotonic() < deadline, "the action never reached its effect"
            time.sleep(0.05)
        os.kill(proc.pid, signal.SIGKILL)  # the effect row is written, the transaction is not committed
    finally:
        proc.wait(30)
    assert (moves(engine, WS), ledger.list(WS), ledger.trail(WS)) == (0, [], [])
    assert verify(engine).ok
    record = ledger.submit(pay(40, "key-crash-1", to="cust_1"))  # the retry with the same key does it once
    assert record.status == "applied" and not record.replayed and moves(engine, WS) == 1


def test_the_cli_verifies_the_trail_and_fails_on_tampering(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'cli.db'}")  # the CLI reads the settings' database: one dialect here
    upgrade(engine)
    create_wallet(engine)
    ActionLedger(engine).submit(pay(10, "key-cli-001"))
    env = {**os.environ, "TRADEWINDS_DATABASE_URL": engine.url.render_as_string(hide_password=False)}
    ok = subprocess.run([sys.executable, "-m", "tradewinds", "audit", "verify"], env=env, capture_output=True, text=True)
    assert ok.returncode == 0 and "1 event" in ok.stdout and "intact" in ok.stdout
    with engine.begin() as conn:
        conn.execute(text("UPDATE audit_events SET actor = :a"), {"a": '{"kind": "user", "id": "mallory", "role": "owner"}'})
    bad = subprocess.run([sys.executable, "-m", "tradewinds", "audit", "verify"], env=env, capture_output=True, text=True)
    assert bad.returncode == 1 and "changed after it was written" in bad.stdout + bad.stderr
