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


@listings_app.command("localize")
def localize_cmd(source: Annotated[Path, typer.Option("--from", help="a CSV of products: id, title, description (+ brand, category, attributes, ...)")],
                 market: Annotated[str, typer.Option(help="a marketplace profile id")],
                 lang: Annotated[str, typer.Option(help="the listings' language (ISO 639-1)")],
                 out: Annotated[Path, typer.Option(help="JSON lines, one listing per product; run again to resume")] = Path("listings.jsonl"),
                 limit: Annotated[int | None, typer.Option(min=1, help="at most this many products")] = None,
                 search_terms: Annotated[Path | None, typer.Option(help="your search-term report (CSV: query, impressions, clicks) for the keywords")] = None) -> None:
    """Localize products for a market: each listing written by the model, checked, repaired, and flagged when it still
    fails. Products already in --out are skipped, so a run cut off (even by kill -9) resumes where it stopped."""
    import os

    from rich.progress import Progress

    from ..bootstrap import bootstrap
    from ..seller.listings.localize import localize, read_products
    from ..seller.listings.profiles import profile

    services = bootstrap()
    target = profile(market, _user_dir())
    products = read_products(source)[:limit]
    done = _done(out)
    todo = [p for p in products if p.id not in done]
    gateway = services.gateway()
    report = None
    if search_terms is not None:
        from ..seller.listings.keywords import read_report

        report = read_report(search_terms)
    counts = {"ok": 0, "flagged": 0}
    import time

    wall, cpu, tokens = time.perf_counter(), time.process_time(), [0, 0]
    with out.open("a", encoding="utf-8") as sink, Progress(console=console, transient=True) as bar:
        task = bar.add_task(f"localizing for {target.name}", total=len(todo))
        for p in todo:
            listing = localize(p, target, lang, gateway, search_terms=report)
            sink.write(listing.model_dump_json() + "\n")
            sink.flush()
            os.fsync(sink.fileno())  # a listing written is a listing done, whatever happens next
            counts[listing.status] += 1
            tokens[0] += listing.prompt_tokens
            tokens[1] += listing.completion_tokens
            bar.advance(task)
    console.print(f"{len(todo)} localized ({counts['ok']} ok, {counts['flagged']} flagged), {len(products) - len(todo)} already in {out}")
    if todo:
        _costs(len(todo), time.perf_counter() - wall, time.process_time() - cpu, tokens, services.settings)


def _costs(n: int, wall: float, cpu: float, tokens: list[int], settings) -> None:
    """Throughput, and what 1,000,000 listings would cost: CPU hours on this machine (the embedded model), and the
    same tokens at the price table's rates for the route's models and a served reference model."""
    from ..models.store import DEFAULT_PRICES, price_of

    per_m = 1_000_000 / n
    console.print(f"{n / wall:.3f} listings/s; per 1,000,000 listings: {cpu * per_m / 3600:,.0f} CPU hours here, "
                  f"{tokens[0] * per_m / 1e9:,.2f}G prompt + {tokens[1] * per_m / 1e9:,.2f}G completion tokens")
    route = (settings.model_routes or {}).get("listings.localize") or (settings.model_routes or {}).get("default") or []
    for model_id in dict.fromkeys([*route, "openai:qwen-plus"]):
        price = price_of(model_id, settings.model_prices) if model_id in route or model_id in DEFAULT_PRICES else None
        if price is not None:
            usd = (tokens[0] * price[0] + tokens[1] * price[1]) / 1e6 * per_m
            console.print(f"  at {model_id}'s token prices: {usd:,.0f} USD" + (" (the embedded model's tokens cost nothing but CPU)" if model_id.startswith("local:") else ""))


def _done(out: Path) -> set[str]:
    """Ids already written to ``out``; a last line cut off mid-write (a killed run) is dropped from the file."""
    if not out.exists():
        return set()
    lines = out.read_text(encoding="utf-8").splitlines(keepends=True)
    ids, good = set(), []
    for line in lines:
        try:
            ids.add(json.loads(line)["id"])
            good.append(line if line.endswith("\n") else line + "\n")
        except (json.JSONDecodeError, KeyError, TypeError):
            break
    if len(good) != len(lines) or (lines and not lines[-1].endswith("\n")):
        out.write_text("".join(good), encoding="utf-8")
    return ids


@listings_app.command("copy")
def copy_cmd(source: Annotated[str, typer.Option(help="the product's title and description")],
             channel: Annotated[str, typer.Option(help="ad_headline, ad_text or social_post")] = "ad_text",
             lang: Annotated[str, typer.Option(help="the copy's language")] = "en",
             market: Annotated[str | None, typer.Option(help="a marketplace profile whose banned terms apply")] = None,
             keywords: Annotated[str, typer.Option(help="comma-separated keywords the copy should carry")] = "",
             history: Annotated[Path | None, typer.Option(help="past copy and its CTR (CSV: text, ctr): learn what works for you")] = None,
             variants: Annotated[int, typer.Option(min=1, max=6)] = 3) -> None:
    """Write marketing copy variants, score them, and show the best with its score and reasons."""
    from ..bootstrap import bootstrap
    from ..seller.listings.copy import CHANNELS, LearnedScorer, write_copy
    from ..seller.listings.profiles import profile

    if channel not in CHANNELS:
        raise typer.BadParameter(f"{channel!r}: one of {', '.join(CHANNELS)}", param_hint="--channel")
    learned = LearnedScorer.learn(history, limit=CHANNELS[channel][0]) if history else None
    ranked = write_copy(source, channel, lang, bootstrap().gateway(), n=variants, keywords=[k.strip() for k in keywords.split(",") if k.strip()],
                        market=profile(market, _user_dir()) if market else None, learned=learned)
    table = Table("", "copy", "score", "why")
    for i, s in enumerate(ranked):
        table.add_row("best" if i == 0 and s.compliant else "", escape(s.text), f"{s.score:.3f}", escape("; ".join(s.reasons)))
    console.print(table)
    console.print("scored by " + (f"what worked in your {learned.rows} past pieces of copy (ridge regression on CTR)" if learned
                                  else "the documented function: claims 0.5, keywords 0.3, length 0.2; non-compliant copy scores 0"))


@listings_app.command("image")
def image_cmd(photo: Annotated[Path, typer.Argument(help="a product photo (JPEG, PNG, WebP)")],
              market: Annotated[str, typer.Option(help="the marketplace whose main-image size and background apply")],
              out: Annotated[Path, typer.Option(help="the main image (PNG, labelled AI-edited)")] = Path("main.png"),
              method: Annotated[str, typer.Option(help="auto (ISNet when installed, else GrabCut), isnet or grabcut")] = "auto") -> None:
    """Make a marketplace main image: the product cut out, on white, centred, at the market's size."""
    from ..seller.listings.images import cut_out, load, on_white, save
    from ..seller.listings.profiles import profile

    if method not in ("auto", "isnet", "grabcut"):
        raise typer.BadParameter(f"{method!r}: auto, isnet or grabcut", param_hint="--method")
    target = profile(market, _user_dir())
    image = load(photo)
    with console.status("cutting the product out ..."):
        cut = cut_out(image, method=method)
    save(on_white(image, cut.mask, target.image), out, method=cut.method, market=target.id)
    console.print(f"{out}: {target.image.width}x{target.image.height} on {target.image.background}, cut out by {cut.method} in {cut.seconds:.1f} s"
                  + ("" if cut.method.startswith("isnet") else " (the ISNet model is not installed: run scripts/fetch_image_model.py)"))
