"""Rendering helpers shared by CLI commands."""

from __future__ import annotations

from contextlib import contextmanager

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from rich.table import Table

from ..search.schemas import SearchResponse

# Pipes and CI logs get a wide table instead of rich's 80-column default.
console = Console(width=None if Console().is_terminal else 180)
err = Console(stderr=True)


@contextmanager
def progress_bar(label: str, total: int | None):
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  TimeRemainingColumn(), console=err, transient=False) as bar:
        task = bar.add_task(label, total=total)
        yield lambda n: bar.advance(task, n)


def search_table(query: str, response: SearchResponse, quantity: int | None) -> Table:
    qty = f" at qty {quantity}" if quantity else " at MOQ"
    table = Table(title=f"{query!r}: {len(response.hits)} of {response.candidates} candidates, {response.took_ms:.0f} ms",
                  show_lines=False, expand=False)
    for col, kw in (("#", {"justify": "right"}), ("offer", {}), ("product", {"max_width": 46}), ("unit price" + qty, {"justify": "right"}),
                    ("MOQ", {"justify": "right"}), ("lead", {"justify": "right"}), ("inco", {}), ("supplier", {"max_width": 28}),
                    ("certs", {"max_width": 22}), ("score", {"justify": "right"})):
        table.add_column(col, **kw)
    for i, h in enumerate(response.hits, 1):
        price = f"{h.unit_price:,.2f} {h.currency}" if h.unit_price is not None else "-"
        table.add_row(str(i), h.offer_id, h.title, price, f"{h.moq:,}", f"{h.lead_time_days}d" if h.lead_time_days is not None else "-",
                      h.incoterm or "-", f"{h.supplier_name or h.supplier_id} ({h.supplier_country})", ", ".join(h.certifications) or "-",
                      f"{h.score:.3f}")
    return table
