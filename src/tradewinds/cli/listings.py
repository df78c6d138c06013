"""`tradewinds listings ...`: the marketplace profiles, a product's claims, and the checks a localized listing must pass."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from ._output import console

listings_app = typer.Typer(help="The listing studio: marketplace profiles and listing checks (docs/listings.md).", no_args_is_help=True)


def _user_dir() -> Path:
    from ..settings import get_settings

    return get_settings().data_dir / "markets"


@listings_app.command("markets")
def markets() -> None:
    """The marketplace profiles: shipped, and yours in <data_dir>/markets/ (which replace a shipped one of the same id)."""
    from ..seller.listings.profiles import profiles

    table = Table("id", "name", "language", "units", "title", "bullets", "description", "banned terms", "checked")
    for p in profiles(_user_dir()).values():
        table.add_row(p.id, p.name, p.language, p.units, str(p.title.max_chars), f"{p.bullets.count} x {p.bullets.max_chars}",
                      str(p.description.max_chars), str(len(p.rules.banned_terms) + len(p.rules.banned_claims)), p.checked)
    console.print(table)


@listings_app.command("claims")
def claims(text: Annotated[str, typer.Argument(help="a product's title and description")]) -> None:
    """The claims a listing of this product must keep: numbers with units, sizes, codes, materials, certifications ..."""
    from ..seller.listings.claims import extract

    table = Table("kind", "value", "as written")
    for c in extract(text):
        table.add_row(c.kind, c.value, escape(c.text))
    console.print(table)


@listings_app.command("check")
def check_cmd(source: Annotated[str, typer.Option(help="the source product's title and description")],
              listing: Annotated[Path, typer.Option(help="the localized listing: JSON with title, bullets, description, keywords")],
              market: Annotated[str, typer.Option(help="a marketplace profile id (tradewinds listings markets)")],
              lang: Annotated[str, typer.Option(help="the listing's language (ISO 639-1)")]) -> None:
    """Check a localized listing against its source and its market; exit 1 when it must not be published."""
    from ..errors import BadInputError
    from ..seller.listings.checks import Listing, check
    from ..seller.listings.profiles import profile

    try:
        out = Listing.model_validate(json.loads(listing.read_text(encoding="utf-8")))
    except (json.JSONDecodeError, ValueError) as exc:
        raise BadInputError(f"{listing.name}: not a listing ({str(exc).splitlines()[0]})", hint="JSON with title, bullets, description, keywords") from None
    report = check(source, out, profile(market, _user_dir()), lang)
    for c in report.checks:
        console.print(("[green]pass[/] " if c.ok else "[red]FAIL[/] ") + c.name + (f": {escape(c.detail)}" if c.detail else ""))
    console.print("ok: may be published" if report.ok else "flagged: not to be published")
    if not report.ok:
        raise typer.Exit(1)
