"""`tradewinds refunds ...`: learn the merchant's refund policy from past decisions, decide new cases, and work the
queue of cases a person must look at. Every payout goes through the action ledger."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.progress import Progress
from rich.table import Table

from ._output import console

refunds_app = typer.Typer(help="The refund agent of the workspace (TRADEWINDS_WORKSPACE); the CSV format is in docs/refunds.md.",
                          no_args_is_help=True)


def _desk():
    from ..bootstrap import bootstrap
    from .actions import _me

    services = bootstrap()
    return services.refunds(), _me(services.settings), services.settings


@refunds_app.command("demo")
def demo(out: Annotated[Path, typer.Option(help="where to write the past decisions (CSV)")] = Path("past_decisions.csv"),
         policy: Annotated[str, typer.Option(help="strict, generous, returnless_cheap or photo_partial")] = "photo_partial",
         rows: Annotated[int, typer.Option(min=1, max=1_000_000)] = 3000,
         seed: Annotated[int, typer.Option(help="the same seed writes the same history")] = 1,
         cases: Annotated[Path | None, typer.Option(help="also write new cases to decide (no decision columns), from the next seed")] = None,
         case_rows: Annotated[int, typer.Option(min=1, max=1_000_000)] = 200,
         label_noise: Annotated[float, typer.Option(min=0, max=0.5, help="share of past decisions made differently for no recorded reason")] = 0.03) -> None:
    """Write a synthetic history of past refund decisions (every case id starts with syn-: no real buyer or order)."""
    from ..seller.refunds.cases import write_cases, write_history
    from ..seller.refunds.demo import DEV, history

    if policy not in DEV:
        raise typer.BadParameter(f"{policy!r}: one of {', '.join(DEV)}", param_hint="--policy")
    n = write_history(out, history(policy, rows, seed=seed, label_noise=label_noise))
    console.print(f"{n} synthetic past decisions of a {policy.replace('_', ' ')} merchant -> {out}")
    if cases is not None:
        m = write_cases(cases, history(policy, case_rows, seed=seed + 1, label_noise=label_noise))
        console.print(f"{m} synthetic new cases -> {cases}")


@refunds_app.command("learn")
def learn(history: Annotated[Path, typer.Option(help="past decisions, one per row (CSV, docs/refunds.md)")],
          target: Annotated[float, typer.Option(min=0.5, max=0.999, help="the accuracy the agent must reach on the cases it decides alone")] = 0.95) -> None:
    """Learn the policy from past decisions (and the cases people resolved in this workspace since)."""
    from ..seller.refunds.cases import read_history

    desk, _, settings = _desk()
    past = read_history(history)
    resolved = [d for d in desk.history() if d.case_id not in {p.case_id for p in past}]
    with console.status(f"learning from {len(past) + len(resolved)} past decisions ..."):
        policy = desk.learn(past + resolved, target_accuracy=target, source=str(history))
    fit = policy.fit
    console.print(f"learned the refund policy of workspace {settings.workspace} from {fit.rows} decisions "
                  f"({len(past)} from {history.name}, {len(resolved)} resolved here)")
    console.print(f"  out of fold: accuracy {fit.accuracy:.3f} on every case; the agent decides alone at confidence >= {min(fit.threshold, 1):.3f}, "
                  f"{fit.coverage:.0%} of cases, accuracy {fit.accuracy_at_threshold:.3f} (target {fit.target})")
    if fit.coverage == 0:
        console.print("  [yellow]no threshold reaches the target: every case will go to a person. Give a longer history or a lower --target.[/]")
    table = Table("decision", "amount rule", "past cases")
    for label, n in fit.labels.items():
        decision, rule = label.split("|")
        table.add_row(decision, rule, str(n))
    console.print(table)


@refunds_app.command("decide")
def decide(cases: Annotated[Path, typer.Option(help="the cases to decide (CSV, docs/refunds.md)")],
           out: Annotated[Path | None, typer.Option(help="write the decisions here (CSV)")] = None,
           execute: Annotated[bool, typer.Option("--execute", help="carry out the agent's decisions through the action ledger "
                                                 "(inside its limits at once, above them into the approval queue); default: preview only")] = False) -> None:
    """Decide each case: a decision, the amount, the confidence and its reasons; the cases it is not sure of go to a person."""
    from ..seller.refunds.cases import read_cases, write_decisions

    desk, _, _ = _desk()
    todo = read_cases(cases)
    made = []
    with Progress(console=console, transient=True) as bar:
        task = bar.add_task("deciding", total=len(todo))
        for i in range(0, len(todo), 100):
            made += desk.decide(todo[i:i + 100], execute=execute)
            bar.advance(task, len(todo[i:i + 100]))
    counts = Counter(d.decision for d, _ in made)
    statuses = Counter(s for _, s in made)
    table = Table("decision", "cases", "refunds")
    for decision, n in counts.most_common():
        totals: dict[str, Decimal] = {}
        for d, _ in made:
            if d.decision == decision and d.refund_amount:
                totals[d.currency] = totals.get(d.currency, Decimal(0)) + d.refund_amount
        table.add_row(decision, str(n), ", ".join(f"{v} {k}" for k, v in sorted(totals.items())) or "-")
    console.print(table)
    console.print("status: " + ", ".join(f"{k} {v}" for k, v in statuses.most_common())
                  + ("" if execute else "  (preview: nothing carried out; --execute to carry the decisions out)"))
    if out is not None:
        write_decisions(out, made)
        console.print(f"decisions -> {out}")


@refunds_app.command("queue")
def queue() -> None:
    """Cases waiting for a person: escalated by the agent, or waiting for approval above the ledger's limits."""
    desk, _, _ = _desk()
    table = Table("case", "status", "reason", "item price", "agent leaned to", "why")
    for s in desk.queue():
        table.add_row(s.case.case_id, s.status, s.case.reason, f"{s.case.item_price} {s.case.currency}", s.decision.predicted or "-",
                      escape("; ".join(f.text for f in (s.decision.signals or s.decision.reasons)[-2:])))
    console.print(table)


@refunds_app.command("show")
def show(case_id: str) -> None:
    """A case, its decision, the reasons and the message to the buyer."""
    desk, _, _ = _desk()
    s = desk.store.get(case_id)
    d = s.decision
    console.print(f"[bold]{case_id}[/] {s.case.reason.replace('_', ' ')}, {s.case.item_price} {s.case.currency}: "
                  f"[bold]{d.decision}[/] {d.refund_amount} {d.currency} (confidence {d.confidence:.2f}, by {d.source}; {s.status})")
    for f in d.reasons:
        console.print(f"  - {escape(f.text)}  [dim]{f.fact}={escape(f.value)}[/]")
    for f in d.signals:
        console.print(f"  [yellow]! {escape(f.text)}[/]")
    console.print(f"  message ({d.lang}): {escape(d.message)}")


@refunds_app.command("resolve")
def resolve(case_id: str, decision: Annotated[str, typer.Option(help="refund_with_return, returnless_refund, partial_refund, exchange or reject")],
            note: Annotated[str, typer.Option(help="why (kept with the decision, and learned from next time)")],
            amount: Annotated[Decimal | None, typer.Option(help="the refund (default: everything not yet refunded for the item)")] = None) -> None:
    """Decide a case yourself; it is carried out through the ledger as you."""
    desk, me, _ = _desk()
    made, status = desk.resolve(case_id, decision, amount, actor=me, note=note)
    console.print(f"{case_id}: {made.decision} {made.refund_amount} {made.currency} -> {status}")
