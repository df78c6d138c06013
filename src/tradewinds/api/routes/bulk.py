"""Bulk sourcing over HTTP: upload a sheet (multipart), follow the job's events, fetch the plan in any format."""

from __future__ import annotations

import re
import secrets
import shutil
import tempfile
from pathlib import Path
from typing import Literal

import anyio
from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import JSONResponse, Response, StreamingResponse
from pydantic import BaseModel, Field

from ...bulk.columns import ColumnMapping, column_letter, parse_overrides
from ...bulk.export import render
from ...bulk.lines import to_lines
from ...bulk.reader import Limits
from ...bulk.run import BulkPlan, BulkPlanner, PlanOptions
from ...errors import BadInputError, NotFoundError
from ...sourcing.specs import label as spec_label
from ...files import atomic_write
from ...runtime.sse import SSE_DOC, stream
from ..auth import OPERATOR, VIEWER, AccountsDep, PrincipalDep
from ..deps import RunsDep, ServicesDep
from ..errors import document_headers, error_body

router = APIRouter(tags=["bulk"], dependencies=[VIEWER])
_JOB = {"job_id": "$response.body#/job_id"}
JOB_LINKS = {"links": {"GetBulkJob": {"operationId": "getBulkJob", "parameters": _JOB},
                       "BulkPlan": {"operationId": "getBulkPlan", "parameters": _JOB}}}
_MEDIA = {"xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "pdf": "application/pdf",
          "md": "text/markdown; charset=utf-8", "html": "text/html; charset=utf-8", "json": "application/json"}


class BulkJobOut(BaseModel):
    job_id: str
    status: Literal["running", "done", "error", "interrupted", "cancelled"] = Field(
        description="interrupted: cut off by a restart (upload the sheet again); its events still replay")
    mapping: ColumnMapping | None = None
    plan: BulkPlan | None = None
    error: dict | None = None
    events_url: str


def _store(services, workspace_id: str) -> Path:
    return services.workspace_dir(workspace_id, "bulk")


def load_plan(services, workspace_id: str, job_id: str) -> BulkPlan | None:
    """A workspace's finished plan (None while its job runs); ids that cannot be a job are not found."""
    if not re.fullmatch(r"bulk_[0-9a-f]{12}", job_id):
        raise NotFoundError(f"no bulk job {job_id!r}", hint="job ids look like bulk_0123456789ab")
    path = _store(services, workspace_id) / f"{job_id}.json"
    return BulkPlan.model_validate_json(path.read_text(encoding="utf-8")) if path.is_file() else None


def uploads_dir(services) -> Path:
    """Uploads wait here (not in /tmp) until their job ends; what a crash leaves is removed at the next start."""
    return services.settings.data_dir / "uploads"


async def _save_upload(file: UploadFile, limits: Limits, root: Path) -> Path:
    """The upload in a private directory (the sheet is parsed from disk, streamed, with the reader's limits)."""
    suffix = Path(file.filename or "sheet.csv").suffix.lower()
    if suffix not in (".xlsx", ".xlsm", ".csv", ".tsv", ".txt", ".xls"):
        raise BadInputError(f"{file.filename}: {suffix or 'no extension'} files are not read", hint="upload .xlsx, .csv or .tsv")
    data = await file.read(limits.max_file_bytes + 1)
    if len(data) > limits.max_file_bytes:
        raise BadInputError(f"{file.filename}: above the {limits.max_file_bytes:,}-byte upload limit", hint="split the sheet")
    root.mkdir(parents=True, exist_ok=True)
    upload = Path(tempfile.mkdtemp(prefix="tw-bulk-", dir=root)) / f"{re.sub(r'[^A-Za-z0-9_.-]', '_', Path(file.filename or 'sheet').stem)[:60]}{suffix}"
    upload.write_bytes(data)
    return upload


def _discard(upload: Path) -> None:
    shutil.rmtree(upload.parent, ignore_errors=True)


class PreviewLine(BaseModel):
    row: int
    item: str
    searched_as: str
    quantity: int
    unit: str | None = None
    max_unit_price: float | None = None
    currency: str
    specs: list[str]
    certifications: list[str]
    issues: list[str]


class MappingOut(BaseModel):
    file: str
    sheet: str
    mapping: ColumnMapping
    columns: list[str] = Field(description="Every column as 'B: header' for a mapping picker")
    lines: int
    preview: list[PreviewLine] = Field(description="The first lines as they will be sourced")
    skipped_rows: list[str]
    notes: list[str]


@router.post("/v1/bulk/mapping", response_model=MappingOut, summary="Read a sheet's columns and first lines, to confirm before planning",
             dependencies=[OPERATOR])
async def preview_mapping(request: Request, services: ServicesDep, principal: PrincipalDep, file: UploadFile = File(..., description="XLSX, CSV or TSV"),
                          map: str | None = Form(None, description="Column overrides, e.g. item=B,qty=D"),
                          currency: str = Form("USD", min_length=3, max_length=3)) -> MappingOut:
    upload = await _save_upload(file, Limits(), uploads_dir(services))

    def read():  # parsing a sheet is CPU work: off the event loop
        planner = BulkPlanner(services.sourcer(model=False, workspace_id=principal.workspace_id), services.settings.fx_rates)
        sheet, mapping = planner.read(upload, parse_overrides(map))
        return sheet, mapping, *to_lines(sheet, mapping, default_currency=currency.upper())

    try:
        sheet, mapping, lines, skipped = await anyio.to_thread.run_sync(read)
    finally:
        _discard(upload)
    width = max((len(cells) for _, cells in sheet.rows[:200]), default=0)
    return MappingOut(file=file.filename or upload.name, sheet=sheet.name, mapping=mapping,
                      columns=[column_letter(i) + (f": {mapping.headers[i]}" if i < len(mapping.headers) and mapping.headers[i] else "")
                               for i in range(width)],
                      lines=len(lines), skipped_rows=skipped[:50], notes=sheet.notes,
                      preview=[PreviewLine(row=bl.row, item=bl.text, searched_as=bl.line.name, quantity=bl.line.quantity, unit=bl.unit,
                                           max_unit_price=bl.line.max_unit_price, currency=bl.line.currency,
                                           specs=[spec_label(x) for x in bl.line.specs], certifications=bl.line.certifications,
                                           issues=bl.issues) for bl in lines[:10]])


@router.post("/v1/bulk", response_model=BulkJobOut, status_code=202, summary="Upload a sheet of product lines; returns a job",
             dependencies=[OPERATOR], responses={202: JOB_LINKS})
async def start_bulk(request: Request, services: ServicesDep, runs: RunsDep, principal: PrincipalDep, accounts: AccountsDep, file: UploadFile = File(..., description="XLSX, CSV or TSV"),
                     map: str | None = Form(None, description="Column overrides, e.g. item=B,qty=D"),
                     max_suppliers: int | None = Form(None, ge=1), fixed_cost: float = Form(150.0, ge=0),
                     budget: float | None = Form(None, gt=0), currency: str = Form("USD", min_length=3, max_length=3)) -> BulkJobOut:
    limits = Limits()
    workspace_id = principal.workspace_id
    await anyio.to_thread.run_sync(lambda: accounts.check_concurrent(workspace_id, runs.active(workspace_id)))
    upload = await _save_upload(file, limits, uploads_dir(services))
    try:
        await anyio.to_thread.run_sync(accounts.charge_upload, workspace_id, upload.stat().st_size)
    except Exception:
        _discard(upload)
        raise
    job_id = "bulk_" + secrets.token_hex(6)
    planner = BulkPlanner(services.sourcer(model=False, workspace_id=workspace_id), services.settings.fx_rates, limits)
    try:  # a bad file or mapping fails here, before a job exists (parsed off the event loop)
        _, mapping = await anyio.to_thread.run_sync(lambda: planner.read(upload, parse_overrides(map)))
    except BadInputError:
        _discard(upload)
        raise
    options = PlanOptions(currency=currency.upper(), fixed_cost_per_supplier=fixed_cost, max_suppliers=max_suppliers, budget_total=budget)
    runs.begin(job_id, "bulk", workspace_id=workspace_id, meta={"file": file.filename or upload.name})

    def work(emit) -> None:
        done = []  # 'done' is sent once the plan is on disk, so a client may fetch it on that event
        try:
            plan = planner.plan(upload, options, emit=lambda e: done.append(e) if e.step == "done" else emit(e), mapping=mapping,
                                job_id=job_id)
        finally:
            _discard(upload)
        plan.file = file.filename or upload.name
        atomic_write(_store(services, workspace_id) / f"{job_id}.json", plan.model_dump_json())
        for event in done:
            emit(event)

    try:
        runs.submit(job_id, work)
    except Exception:
        _discard(upload)
        raise
    return BulkJobOut(job_id=job_id, status="running", mapping=mapping, events_url=f"/v1/bulk/{job_id}/events")


@router.get("/v1/bulk/{job_id}", response_model=BulkJobOut, operation_id="getBulkJob", summary="A bulk job: status, and the plan when done")
def get_bulk(job_id: str, services: ServicesDep, runs: RunsDep, principal: PrincipalDep) -> BulkJobOut:
    plan = load_plan(services, principal.workspace_id, job_id)
    info = runs.get(job_id, workspace_id=principal.workspace_id)
    if plan is None and info is None:
        raise NotFoundError(f"no bulk job {job_id!r}", hint="upload a sheet with POST /v1/bulk")
    status = info.status if info else "done"
    return BulkJobOut(job_id=job_id, status=status, mapping=plan.mapping if plan else None, plan=plan if status == "done" else None,
                      error=info.error if info else None, events_url=f"/v1/bulk/{job_id}/events")


@router.get("/v1/bulk/{job_id}/events", summary="Step events as Server-Sent Events: one per line, then done", **SSE_DOC)
def bulk_events(job_id: str, services: ServicesDep, runs: RunsDep, principal: PrincipalDep) -> StreamingResponse:
    get_bulk(job_id, services, runs, principal)  # 404 for unknown jobs and other workspaces' jobs
    info = runs.get(job_id, workspace_id=principal.workspace_id)
    return stream(runs, job_id, info.from_seq if info else 0)


@router.get("/v1/bulk/{job_id}/plan.{fmt}", operation_id="getBulkPlan", summary="Download the plan: xlsx, pdf, md, html or json", response_class=Response)
def download_plan(job_id: str, fmt: Literal["xlsx", "pdf", "md", "html", "json"], request: Request, services: ServicesDep,
                  runs: RunsDep, principal: PrincipalDep) -> Response:
    plan = load_plan(services, principal.workspace_id, job_id)
    if plan is None:
        if (info := runs.get(job_id, workspace_id=principal.workspace_id)) is not None and info.status == "running":
            return JSONResponse(error_body("not_ready", f"bulk job {job_id} is still running", f"wait for 'done' on /v1/bulk/{job_id}/events"),
                                status_code=409)
        raise NotFoundError(f"no bulk job {job_id!r}", hint="upload a sheet with POST /v1/bulk")
    body = render(plan, "." + fmt, link=services.settings.public_url.rstrip("/") + "/v1")
    disposition = "attachment" if fmt in ("xlsx", "pdf") else "inline"
    return Response(body, media_type=_MEDIA[fmt], headers={"Content-Disposition": f'{disposition}; filename="{job_id}.{fmt}"',
                                                           **document_headers(fmt)})
