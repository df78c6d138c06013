"""`tradewinds disputes ...`: card disputes (chargebacks) on the shop's payments: import them in Stripe's shape, see them
by deadline, prepare each response (evidence, letter, fight or accept), write its pack, submit it after approval."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from ._output import console

disputes_app = typer.Typer(help="Card disputes of the workspace's shop (TRADEWINDS_WORKSPACE); see docs/disputes.md.", no_args_is_help=True)


def _desk():
    from ..bootstrap import bootstrap
    from .actions import _me

    services = bootstrap()
    return services.disputes(), _me(services.settings)


def read_objects(path: Path) -> list[dict]:
    """A JSON array of Stripe dispute objects, Stripe's list ({"data": [...]}), one object, or JSON lines."""
    from ..errors import BadInputError
    from ..textfiles import read_text

    text, _ = read_text(path, max_bytes=100 * 1024 * 1024, formats="JSON or JSON lines")
    try:
        data = json.loads(text)
    except json.JSONDecodeError:
        try:
            return [json.loads(line) for line in text.splitlines() if line.strip()]
        except json.JSONDecodeError as exc:
            raise BadInputError(f"{path.name}: line {exc.lineno}: not JSON ({exc.msg})", hint="a JSON array of Stripe dispute objects, or one per line") from None
    if isinstance(data, dict):
        data = data.get("data", [data]) if data.get("object") in ("list", None) and "data" in data else [data]
    if not isinstance(data, list):
        raise BadInputError(f"{path.name}: expected dispute objects", hint="a JSON array of Stripe dispute objects")
    return data


@disputes_app.command("import")
def import_cmd(path: Annotated[Path, typer.Argument(help="Stripe dispute objects: a JSON array, Stripe's list, or JSON lines")]) -> None:
    """Import disputes (the same id again replaces it: a status that changed, a retried webhook)."""
    desk, _ = _desk()
    done = desk.import_objects(read_objects(path))
    console.print(f"{len(done)} dispute(s) imported; {len(desk.by_urgency())} open")


@disputes_app.command("demo")
def demo(n: Annotated[int, typer.Option(min=1, max=10_000, help="how many disputes")] = 20, seed: int = 1) -> None:
    """Synthetic disputes over the workspace's shop (fill it first: tradewinds shop demo). Ids start with dp_syn_."""
    from ..shop.conversations import ConversationStore
    from ..seller.disputes.demo import generate

    desk, _ = _desk()
    pairs = generate(desk.shop, ConversationStore(desk.engine, desk.workspace_id), n, seed=seed, now=datetime.now(UTC))
    for d, _ in pairs:
        desk.store.put(d)
    console.print(f"{sum(1 for _, t in pairs if t)} synthetic dispute(s) in workspace {desk.workspace_id}")


@disputes_app.command("list")
def list_cmd(all_: Annotated[bool, typer.Option("--all", help="closed ones too")] = False) -> None:
    """Disputes by urgency: the evidence due soonest first."""
    desk, _ = _desk()
    table = Table("dispute", "order", "amount", "category", "due", "hours left", "advice")
    for d in desk.by_urgency(open_only=not all_):
        p = desk.prepare(d.id)
        left = p.hours_left()
        table.add_row(d.id, d.order_id or "-", f"{d.amount} {d.currency}", p.route.category, d.due_by or "-",
                      "-" if left is None else ("[red]overdue[/]" if left <= 0 else f"{left:.0f}"), f"{p.advice.action} ({p.advice.chance:.0%})")
    console.print(table)


@disputes_app.command("show")
def show(dispute_id: str) -> None:
    """A dispute's routing, evidence, recommendation and letter."""
    desk, _ = _desk()
    p = desk.prepare(dispute_id)
    r = p.route
    console.print(f"[bold]{dispute_id}[/] {p.dispute.amount} {p.dispute.currency} · {r.category} "
                  f"({r.network or '?'} {r.code or '-'} {escape(r.title or '')}; by {r.by}) · due {p.dispute.due_by or '-'}")
    console.print(f"[bold]{p.advice.action}[/] chance {p.advice.chance:.0%}, expected {p.advice.expected} {p.dispute.currency}")
    for reason in p.advice.reasons:
        console.print(f"  - {escape(reason)}")
    if p.evidence.ce3.applicable:
        console.print("Visa CE 3.0: " + ("[green]eligible[/]" if p.evidence.ce3.eligible else "[yellow]not eligible[/]"))
        for c in p.evidence.ce3.criteria:
            console.print(f"  {'✓' if c.met else '✗'} {escape(c.name)}: {escape(c.detail)}")
    console.print(f"evidence fields: {len(p.evidence.filled)}/{len(p.evidence.required)} of the category's"
                  + (f"; missing {', '.join(p.evidence.missing)}" if p.evidence.missing else ""))
    console.print("[bold]letter[/]\n" + escape(p.letter.text))
    if p.problems:
        console.print("[red]grounding: " + escape("; ".join(p.problems)) + "[/]")


@disputes_app.command("pack")
def pack_cmd(dispute_id: str, out: Annotated[Path, typer.Option(help="folder for the pack")] = Path("dispute-packs"),
             formats: Annotated[str, typer.Option("--format", help="any of pdf, md, html")] = "pdf,md") -> None:
    """Write the evidence pack (letter, order, tracking, messages, policy) and the Stripe evidence fields (JSON)."""
    desk, _ = _desk()
    wanted = tuple(f.strip() for f in formats.split(",") if f.strip())
    bad = [f for f in wanted if f not in ("pdf", "md", "html")]
    if bad:
        raise typer.BadParameter(f"{', '.join(bad)}: formats are pdf, md and html", param_hint="--format")
    for path in desk.write_pack(desk.prepare(dispute_id), out, wanted):
        console.print(f"-> {path}")


@disputes_app.command("submit")
def submit(dispute_id: str, reason: Annotated[str, typer.Option(help="why respond (shown to the approver)")] = "") -> None:
    """Ask to submit the response to Stripe: it waits for another person's approval (tradewinds actions approve)."""
    desk, me = _desk()
    record = desk.submit(dispute_id, actor=me, reason=reason)
    console.print(f"{record.id}: {record.status} — {escape(record.change.summary)}")
