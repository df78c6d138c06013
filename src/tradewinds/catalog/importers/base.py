"""Import pipeline shared by every catalog format.

A format turns a file into :class:`ParsedRow` objects (raw supplier/product/offer dicts
plus any parse issues). :func:`run_import` validates them with the Pydantic models,
reports each problem precisely (file, row, field, value, expected, fix), and upserts
the valid rows in atomic batches. ``strict=True`` refuses the whole file on any error.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import ValidationError

from ...errors import BadInputError
from ...settings import Settings
from ..ids import make_id
from ..repository import CatalogRepository
from ..schemas import ImportIssue, ImportReport, OfferIn, ProductIn, SupplierIn


@dataclass
class ParsedRow:
    row: int
    supplier: dict | None = None
    product: dict | None = None
    offer: dict | None = None
    issues: list[ImportIssue] = field(default_factory=list)


@dataclass
class ImportContext:
    file: str
    settings: Settings
    source: str
    supplier_defaults: dict = field(default_factory=dict)
    workspace_id: str | None = None

    @property
    def id_source(self) -> str:
        """What ids are made from: the source, and for a workspace's own import the workspace too."""
        return f"{self.source}@{self.workspace_id}" if self.workspace_id else self.source

    def issue(self, row: int | None, fld: str | None, value, problem: str, fix: str) -> ImportIssue:
        shown = None if value is None else str(value)[:200]
        return ImportIssue(file=self.file, row=row, field=fld, value=shown, problem=problem, fix=fix)


class CatalogFormat(ABC):
    name: str
    description: str
    # model field -> column name as the user sees it, for error messages
    columns: dict[str, str] = {}

    @abstractmethod
    def rows(self, text: str, ctx: ImportContext) -> Iterator[ParsedRow]:
        """Parse ``text``; raise BadInputError for file-level problems (missing columns...)."""


_FIXES = {
    "missing": "fill in the column for this row",
    "float_parsing": "write a plain number such as 12.50 (no currency symbol, dot as decimal separator)",
    "int_parsing": "write a whole number such as 500",
    "greater_than": "use a value above zero",
    "greater_than_equal": "use zero or more",
    "less_than_equal": "use a smaller value",
    "string_too_short": "fill in a value",
    "string_too_long": "shorten the value",
    "enum": "use one of the listed values",
    "string_pattern_mismatch": "use the documented format",
}


def _issues_from(exc: ValidationError, ctx: ImportContext, row: int, kind: str, columns: dict[str, str]) -> list[ImportIssue]:
    out = []
    for err in exc.errors():
        loc = [str(p) for p in err["loc"]]
        model_field = loc[0] if loc else kind
        column = columns.get(f"{kind}.{model_field}") or columns.get(model_field) or ".".join(loc) or kind
        msg = err["msg"].removeprefix("Value error, ")
        value = err.get("input") if not isinstance(err.get("input"), dict) else None
        out.append(ctx.issue(row, column, value, f"{kind} {'.'.join(loc) or ''}: {msg}".replace(" : ", ": "),
                             _FIXES.get(err["type"], "correct the value as described")))
    return out


def run_import(path: Path, fmt: CatalogFormat, repo: CatalogRepository, *, settings: Settings, strict: bool = False,
               source: str | None = None, supplier_defaults: dict | None = None, workspace_id: str | None = None,
               progress: Callable[[int], None] | None = None) -> ImportReport:
    """Import a catalog file. With ``workspace_id`` the records are that workspace's own: only it sees them, and their
    source (so their ids) is namespaced by it, so two workspaces importing the same feed never overwrite each other."""
    from ...textfiles import read_text

    ctx = ImportContext(file=path.name, settings=settings, source=source or fmt.name, supplier_defaults=supplier_defaults or {},
                        workspace_id=workspace_id)
    report = ImportReport(file=path.name, format=fmt.name)
    try:
        text, _encoding = read_text(path, max_bytes=settings.max_import_bytes)
        parsed = list(fmt.rows(text, ctx))
    except BadInputError as exc:
        report.refused = True
        report.issues.append(ctx.issue(None, None, None, exc.message, exc.hint or "fix the file and import again"))
        return report
    if len(parsed) > settings.max_import_rows:
        report.refused = True
        report.issues.append(ctx.issue(None, None, len(parsed), f"{len(parsed):,} rows, above the {settings.max_import_rows:,}-row limit",
                                       "split the file or raise TRADEWINDS_MAX_IMPORT_ROWS"))
        return report
    report.rows_read = len(parsed)
    valid: list[tuple[dict | None, dict | None, dict | None]] = []
    seen_offers: dict[str, int] = {}
    for pr in parsed:
        issues = list(pr.issues)
        rows = _validate(pr, ctx, fmt, issues, seen_offers)
        if issues:
            report.issues.extend(issues)
            report.rows_skipped += 1
        else:
            valid.append(rows)
    _check_references(valid, repo, ctx, report)
    if strict and report.issues:
        report.refused = True
        return report
    batch = settings.import_batch_size
    for start in range(0, len(valid), batch):
        chunk = valid[start:start + batch]
        sups = {s["id"]: s for s, _, _ in chunk if s}
        prods = {p["id"]: p for _, p, _ in chunk if p}
        offs = {o["id"]: o for _, _, o in chunk if o}
        n_s, n_p, n_o = repo.upsert(suppliers=list(sups.values()), products=list(prods.values()), offers=list(offs.values()))
        report.suppliers_upserted += n_s
        report.products_upserted += n_p
        report.offers_upserted += n_o
        report.offer_ids += list(offs)
        if progress:
            progress(len(chunk))
    return report


def _validate(pr: ParsedRow, ctx: ImportContext, fmt: CatalogFormat, issues: list[ImportIssue], seen: dict[str, int]):
    out: list[dict | None] = [None, None, None]
    for i, (kind, raw, model, prefix) in enumerate((("supplier", pr.supplier, SupplierIn, "sup"), ("product", pr.product, ProductIn, "prd"),
                                                     ("offer", pr.offer, OfferIn, "off"))):
        if raw is None:
            continue
        try:
            rec = model.model_validate({**raw, "source": ctx.source})
        except ValidationError as exc:
            reported = {i.field for i in issues}
            issues.extend(i for i in _issues_from(exc, ctx, pr.row, kind, fmt.columns) if i.field not in reported)
            continue
        row = rec.model_dump(mode="json")
        row["id"] = make_id(prefix, ctx.id_source, rec.external_id)
        row["workspace_id"] = ctx.workspace_id
        if kind == "offer":
            if rec.moq > ctx.settings.max_moq:
                issues.append(ctx.issue(pr.row, fmt.columns.get("offer.moq", "moq"), rec.moq,
                                        f"MOQ {rec.moq:,} is above the {ctx.settings.max_moq:,} limit (absurd)",
                                        "check for a typo, or raise TRADEWINDS_MAX_MOQ"))
            first = seen.get(rec.external_id)
            if first is not None:
                issues.append(ctx.issue(pr.row, fmt.columns.get("offer.external_id", "offer id"), rec.external_id,
                                        f"duplicate offer id, first seen in row {first}", "give every offer its own id"))
            seen.setdefault(rec.external_id, pr.row)
            row["product_id"] = make_id("prd", ctx.id_source, row.pop("product_external_id"))
            row["supplier_id"] = make_id("sup", ctx.id_source, row.pop("supplier_external_id"))
        out[i] = row
    return tuple(out)


def _check_references(valid, repo: CatalogRepository, ctx: ImportContext, report: ImportReport) -> None:
    """Offers must point at a product and supplier in this file or already in the catalog."""
    in_file = {r["id"] for trio in valid for r in trio[:2] if r}
    wanted = {ref for _, _, o in valid if o for ref in (o["product_id"], o["supplier_id"])} - in_file
    missing = wanted - repo.existing_ids(wanted) if wanted else set()
    if not missing:
        return
    keep = []
    for trio in valid:
        o = trio[2]
        bad = [ref for ref in (o["product_id"], o["supplier_id"]) if ref in missing] if o else []
        if bad:
            which = "product" if bad[0].startswith("prd_") else "supplier"
            report.issues.append(ctx.issue(None, f"{which}_external_id", o["external_id"],
                                           f"offer {o['external_id']!r} refers to a {which} that is neither in this file nor in the catalog",
                                           f"import the {which} first or correct its external id"))
            report.rows_skipped += 1
        else:
            keep.append(trio)
    valid[:] = keep
