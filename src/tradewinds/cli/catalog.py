"""`tradewinds catalog ...`: demo data, imports, indexing, stats, records."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ..errors import BadInputError
from ._output import console, err, progress_bar

catalog_app = typer.Typer(help="Build, import, index and inspect the catalog.", no_args_is_help=True)


def _reindex(services, offer_ids: list[str] | None = None, *, vectors: str = "now") -> None:
    from ..catalog.service import index_catalog
    from ..jobs import vectors as fill

    total = services.repo.counts()["offers"] if offer_ids is None else len(offer_ids)
    label = "indexing offers (keywords + filters; vectors follow)" if vectors == "later" else "indexing offers (keywords + vectors)"
    with progress_bar(label, total) as advance:
        index_catalog(services.repo, services.backend, progress=advance, offer_ids=offer_ids, vectors=vectors == "now")
    if vectors == "later" and services.backend.vector_coverage() < 1.0:
        started = fill.start_background(services.settings, services.backend)
        err.print(f"searchable by keywords now; {'a background process embeds' if started else 'vectors are being embedded for'} "
                  f"the products for hybrid search (log: {services.settings.data_dir / fill.LOG}; progress: tradewinds catalog stats)")


VectorsWhen = Annotated[str, typer.Option("--vectors", help="now: embed while indexing; later: keywords first, vectors filled "
                                                             "in by a background process (the first search runs in seconds)")]


def _when(value: str) -> str:
    if value not in ("now", "later"):
        raise BadInputError(f"--vectors {value!r}: expected now or later", hint="--vectors later indexes keywords first")
    return value


@catalog_app.command("demo")
def demo(products: Annotated[int, typer.Option(min=1, help="How many products to generate")] = 20_000,
         seed: Annotated[int, typer.Option(help="Same seed, same catalog")] = 7,
         if_absent: Annotated[bool, typer.Option("--if-absent", help="Do nothing if the catalog already has products")] = False,
         index: Annotated[bool, typer.Option(help="Index for search afterwards")] = True,
         vectors: VectorsWhen = "later") -> None:
    """Generate the synthetic demo catalog (every record marked synthetic) and index it."""
    from ..bootstrap import bootstrap
    from ..catalog.service import build_demo

    services = bootstrap()
    counts = services.repo.counts()
    if if_absent and counts["products"]:
        if services.backend.count() < counts["offers"] and index:
            _reindex(services, vectors=_when(vectors))
        elif index and services.backend.vector_coverage() < 1.0:
            from ..jobs import vectors as fill

            fill.start_background(services.settings, services.backend)  # a filler stopped before it finished resumes
        err.print(f"catalog present: {counts['products']:,} products, {counts['offers']:,} offers, {counts['suppliers']:,} suppliers")
        return
    with progress_bar("generating demo catalog", products) as advance:
        totals = build_demo(services.repo, products=products, seed=seed, progress=advance)
    err.print(f"demo catalog: {totals['products']:,} products, {totals['offers']:,} offers, {totals['suppliers']:,} suppliers (synthetic)")
    if index:
        _reindex(services, vectors=_when(vectors))


@catalog_app.command("vectors")
def vectors_cmd(background: Annotated[bool, typer.Option("--background", help="Start a detached filler and return")] = False,
                quiet: Annotated[bool, typer.Option("--quiet", help="Log lines instead of a progress bar (the background filler)")] = False) -> None:
    """Embed the products indexed without vectors (after `catalog demo --vectors later`), a chunk at a time."""
    import time

    from ..bootstrap import bootstrap
    from ..jobs import vectors as fill

    services = bootstrap()
    settings, backend = services.settings, services.backend
    waiting = round((1.0 - backend.vector_coverage()) * services.repo.counts()["products"])
    if background:
        started = fill.start_background(settings, backend)
        err.print(f"{'started a background filler' if started else fill.status(settings, backend).describe()} (log: {settings.data_dir / fill.LOG})")
        return
    if quiet:
        t0, done = time.monotonic(), [0]

        def log(n: int) -> None:
            done[0] += n
            print(f"{time.strftime('%H:%M:%S')} embedded {done[0]:,}/{waiting:,} products ({time.monotonic() - t0:.0f} s)", flush=True)

        filled = fill.fill(settings, progress=log)
    else:
        with progress_bar("embedding products for hybrid search", waiting) as advance:
            filled = fill.fill(settings, progress=advance)
    if filled is None:
        err.print("another filler is already embedding this catalog; `tradewinds catalog stats` shows its progress")
    else:
        err.print(f"embedded {filled:,} products; {fill.status(settings, bootstrap().backend).describe()}")


@catalog_app.command("import")
def import_(file: Annotated[Path, typer.Argument(help="CSV, JSONL, Merchant Center TSV/XML or Shopify CSV")],
            fmt: Annotated[str | None, typer.Option("--format", help="csv, jsonl, gmc-tsv, gmc-xml, shopify (default: from the file)")] = None,
            strict: Annotated[bool, typer.Option("--strict", help="Refuse the whole file if any row is bad")] = False,
            source: Annotated[str | None, typer.Option(help="Namespace for external ids (default: the format name)")] = None,
            supplier_name: Annotated[str | None, typer.Option(help="Supplier of a Merchant Center / Shopify feed")] = None,
            supplier_country: Annotated[str | None, typer.Option(help="Its ISO country code, e.g. CN")] = None,
            index: Annotated[bool, typer.Option(help="Re-index for search afterwards")] = True) -> None:
    """Import a catalog file: valid rows are upserted, bad rows reported precisely."""
    from ..bootstrap import bootstrap
    from ..catalog.importers import get_format, guess_format, run_import

    services = bootstrap()
    fmt_obj = get_format(fmt or guess_format(file))
    with progress_bar(f"importing {file.name} ({fmt_obj.name})", None) as advance:
        report = run_import(file, fmt_obj, services.repo, settings=services.settings, strict=strict, source=source,
                            supplier_defaults={"name": supplier_name, "country": supplier_country}, progress=advance)
    for issue in report.issues[:50]:
        err.print(f"[yellow]{issue}[/]", highlight=False)
    if len(report.issues) > 50:
        err.print(f"... and {len(report.issues) - 50} more problems")
    if report.refused:
        raise BadInputError(f"{file.name}: import refused, nothing was written ({len(report.issues)} problem(s) above)",
                            hint="fix the rows listed, or drop --strict to import the valid rows")
    console.print(f"{file.name}: {report.rows_read} rows read, {report.products_upserted} products, {report.offers_upserted} offers, "
                  f"{report.suppliers_upserted} supplier rows upserted, {report.rows_skipped} rows skipped")
    if index and report.offers_upserted:
        _reindex(services, report.offer_ids)


@catalog_app.command("index")
def index_cmd(rebuild: Annotated[bool, typer.Option(help="Drop the index and rebuild it from the database")] = False,
              engine: Annotated[str, typer.Option(help="local: this process (small catalogs); ray: parallel workers with checkpoints")] = "local",
              address: Annotated[str | None, typer.Option(help="Ray cluster, e.g. ray://head:10001 (default: start Ray on this machine)")] = None,
              workers: Annotated[int, typer.Option(min=1, help="Ray embedding workers (one CPU each)")] = 2,
              chunk_size: Annotated[int, typer.Option(min=1, help="Products per Ray work unit and checkpoint")] = 5_000,
              vectors: VectorsWhen = "now") -> None:
    """(Re)index the catalog database into the search backend."""
    from ..bootstrap import bootstrap

    if engine not in ("local", "ray"):
        raise BadInputError(f"unknown --engine {engine!r}", hint="use --engine local or --engine ray")
    if engine == "local":
        services = bootstrap()
        if rebuild:
            services.backend.clear()
        _reindex(services, vectors=_when(vectors))
        return
    from ..jobs.index import checkpoint_for, run_ray_index, start_ray

    start_ray(address, workers)  # before bootstrap opens the search backend's client (see start_ray)
    services = bootstrap()

    if rebuild:
        services.backend.clear()
        checkpoint_for(services.settings).clear()
    total = services.repo.counts()["offers"]
    with progress_bar(f"indexing offers on Ray ({workers} workers)", total) as advance:
        report = run_ray_index(services.settings, services.repo, services.backend, address=address, workers=workers,
                               chunk_size=chunk_size, progress=advance, log=err.print)
    console.print(f"indexed {report.offers_written:,} offers in {report.chunks - report.skipped} chunks"
                  f"{f' ({report.skipped} done before)' if report.skipped else ''}; the index holds {services.backend.count():,}")


@catalog_app.command("stats")
def stats() -> None:
    """Counts of suppliers, products, offers and indexed offers."""
    from ..bootstrap import bootstrap

    from ..jobs import vectors as fill

    services = bootstrap()
    for name, n in {**services.repo.counts(), "indexed offers": services.backend.count()}.items():
        console.print(f"{name:>15}: {n:,}")
    console.print(f"{'vectors':>15}: {fill.status(services.settings, services.backend).describe().removeprefix('vectors: ')}")


@catalog_app.command("show")
def show(record_id: Annotated[str, typer.Argument(help="prd_..., sup_... or off_...")]) -> None:
    """Print one catalog record as JSON."""
    from ..bootstrap import bootstrap

    print(bootstrap().repo.get(record_id).model_dump_json(indent=2))
