"""The web app's pages: server-rendered Jinja2 (autoescaped) over the same services as the API.

Pages are full HTML documents; the parts that change while a job runs (a sourcing run's lines, a
bulk plan) are fragments under ``/ui/...`` that ``static/app.js`` re-fetches on each Server-Sent
Event. Every response carries a Content-Security-Policy that allows only this origin's script,
style and images, so text from catalogs, spreadsheets or the model cannot run or load anything.
"""

from __future__ import annotations

import hashlib
from urllib.parse import urlencode
from pathlib import Path

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader, select_autoescape

from .. import __version__
from . import i18n
from ..api.auth import OPERATOR, VIEWER, AccountsDep, PrincipalDep
from ..api.deps import ServicesDep
from ..api.routes.bulk import load_plan
from ..api.routes.catalog import run_upload
from ..catalog.importers import FORMATS
from ..catalog.schemas import Offer, Product, Supplier
from ..trade.pricing import price_at
from ..errors import BadInputError, NotFoundError, TradewindsError
from ..search.schemas import SearchFilters, SearchRequest, split_list
from ..bulk.export import spec_check
from ..sourcing.export import segments
from ..sourcing.schemas import LedgerLine, LineResult
from ..sourcing.score import adequate
from ..sourcing.understand import MAX_NEED_CHARS
from ..sourcing.specs import label as spec_label

HERE = Path(__file__).parent
N_ = i18n.N_
# What app.js says, translated with the page and handed to it as data (no inline script under the CSP)
JS_MESSAGES = {
    "empty_need": N_("Write what you need first."), "need_hint": N_("for example: 500 ceramic mugs, under 2 USD each"),
    "too_long": N_("The need is %(n)s characters long; the limit is %(limit)s."),
    "too_long_hint": N_("Describe the purchase in a few sentences, or put a long list in a spreadsheet and use Bulk."),
    "reading": N_("Reading your need…"), "plan_it": N_("Plan it"), "how_to_fix": N_("how to fix:"),
    "keep_one": N_("Keep at least one line."), "keep_one_hint": N_("tick 'Keep' on a line, or add one"),
    "choose_file": N_("Choose a spreadsheet first."), "file_kinds": N_("XLSX, CSV or TSV"),
    "connection": N_("The connection to the server was lost; reload the page to see where the job is."),
    "mapping_summary": N_("%(file)s, sheet %(sheet)s: %(n)s line(s). Header row: %(header)s."), "none": N_("none"),
    "from_source": N_("from %(source)s"), "role_item": N_("item"), "role_qty": N_("quantity"), "role_price": N_("price"),
    "role_unit": N_("unit"), "role_currency": N_("currency"), "role_notes": N_("notes"), "role_certs": N_("certifications"),
    "role_ref": N_("reference"),
}
# Words the code hands to templates, translated there: requirement statuses, plan names
WORDS = (N_("met"), N_("partial"), N_("unknown"), N_("fails"), N_("optimised"), N_("cheapest offer per line"),
         N_("fewest suppliers"), N_("owner"), N_("admin"), N_("operator"), N_("support"), N_("viewer"))
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; form-action 'self'; "
       "base-uri 'none'; frame-ancestors 'none'")
EXAMPLES = (
    "We need 500 ceramic coffee mugs with our logo, under 2 USD each, FDA approved, ship to Germany",
    "Opening a 40-seat coffee shop in Dubai, budget 60,000 USD",
    "需要500件纯棉T恤，定制logo，单价不超过3美元",
    "Necesitamos 200 sillas de oficina ergonómicas, máximo 80 USD cada una",
    "LED bulb E27 9W, 3000 pcs, CE and RoHS, suppliers outside China",
)


def linked(text: str) -> list[tuple[str, str | None]]:
    """Text split into (piece, href) so catalog ids in report prose link to their pages here."""
    return segments(text, "")


def _env() -> Environment:
    env = Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=select_autoescape(("html",), default=True),
                      trim_blocks=True, lstrip_blocks=True)
    env.filters["money"] = lambda v, cur="": "-" if v is None else f"{v:,.2f} {cur}".strip()
    env.filters["pct"] = lambda v: "-" if v is None else f"{v:.0%}"
    env.filters["spec"] = spec_label
    env.globals.update(version=__version__, adequate=adequate, linked=linked, spec_check=spec_check, _=i18n._,
                       ngettext=i18n.ngettext)
    return env


templates = Jinja2Templates(env=_env())
router = APIRouter(include_in_schema=False, dependencies=[VIEWER])  # every page is a workspace's: log in first


def page(request: Request, name: str, status_code: int = 200, *, content_lang: str | None = None, **context) -> HTMLResponse:
    """A page in the buyer's language (see web/i18n.py), with the security headers."""
    query = request.query_params.get("lang")
    lang = i18n.choose(query, request.cookies.get(i18n.COOKIE), request.headers.get("accept-language"), content_lang)
    token = i18n.current.set(lang)
    try:
        me = getattr(request.state, "principal", None)
        context.update(lang=lang, dir="rtl" if lang in i18n.RTL else "ltr", languages=i18n.LANGUAGES, me=me, csrf=me.csrf if me else None,
                       js_messages={k: i18n._(v) for k, v in JS_MESSAGES.items()})
        response = templates.TemplateResponse(request, name, context, status_code=status_code)
    finally:
        i18n.current.reset(token)
    # 'same-origin', not 'no-referrer': under no-referrer a browser's form post says "Origin: null", which the
    # same-origin guard (api/guard.py) must refuse, since a sandboxed frame on any site can send that too
    response.headers.update({"Content-Security-Policy": CSP, "X-Content-Type-Options": "nosniff", "Referrer-Policy": "same-origin",
                             "Content-Language": lang, "Vary": "Accept-Language, Cookie"})
    if query in i18n.LANGUAGES:
        response.set_cookie(i18n.COOKIE, query, max_age=365 * 24 * 3600, samesite="lax")
    return response


# -- sourcing -----------------------------------------------------------------------------
def _recent_runs(services, workspace_id: str, limit: int = 8) -> list[dict]:
    store = services.sourcer(model=False, workspace_id=workspace_id).store
    files = sorted(store.root.glob("run_*.json"), key=lambda p: p.stat().st_mtime, reverse=True)[:limit]
    out = []
    for f in files:
        try:
            state = store.load(f.stem)
        except (TradewindsError, ValueError):
            continue
        out.append({"run_id": state.run_id, "need": state.history[0] if state.history else state.ledger.need,
                    "lines": len(state.ledger.lines), "done": state.report is not None})
    return out


def error_page(request: Request, status: int, message: str, hint: str | None) -> HTMLResponse:
    return page(request, "error.html", status_code=status, status=status, message=message, hint=hint)


@router.get("/", response_class=HTMLResponse)
def home(request: Request, services: ServicesDep, principal: PrincipalDep) -> HTMLResponse:
    return page(request, "home.html", examples=EXAMPLES, runs=_recent_runs(services, principal.workspace_id), offers=services.backend.count(principal.workspace_id),
                max_chars=MAX_NEED_CHARS, coverage=services.backend.vector_coverage())


def _line_signature(line: LedgerLine, result: LineResult | None) -> str:
    """Changes when a line's requirements or options change: the page marks such lines after a follow-up."""
    chosen = [o.offer_id for o in result.options] if result else []
    raw = line.model_dump_json(exclude={"queries"}) + "|".join(chosen)
    return hashlib.sha1(raw.encode()).hexdigest()[:12]


def _run_context(request: Request, services, workspace_id: str, run_id: str) -> dict:
    state = services.sourcer(model=False, workspace_id=workspace_id).store.load(run_id)
    info = request.app.state.runs.get(run_id, workspace_id=workspace_id)
    status = info.status if info else ("done" if state.report else "planned")
    lines = [{"line": line, "result": state.results.get(line.id), "sig": _line_signature(line, state.results.get(line.id))}
             for line in state.ledger.lines]
    return {"state": state, "ledger": state.ledger, "lines": lines, "report": state.report if status != "running" else None,
            "status": status, "error": info.error if info else None}


@router.get("/runs/{run_id}", response_class=HTMLResponse)
def run_page(run_id: str, request: Request, services: ServicesDep, principal: PrincipalDep) -> HTMLResponse:
    context = _run_context(request, services, principal.workspace_id, run_id)
    return page(request, "run.html", content_lang=context["ledger"].language, **context)


@router.get("/ui/runs/{run_id}/body", response_class=HTMLResponse)
def run_body(run_id: str, request: Request, services: ServicesDep, principal: PrincipalDep) -> HTMLResponse:
    context = _run_context(request, services, principal.workspace_id, run_id)
    return page(request, "_run_body.html", content_lang=context["ledger"].language, **context)


# -- catalog ------------------------------------------------------------------------------
def _number(value: str, name: str, kind: type, minimum: float) -> int | float | None:
    """A form field left empty is no filter; anything else must be a number (a form sends every field, filled or not)."""
    value = value.strip().replace(",", "")
    if not value:
        return None
    try:
        number = kind(float(value)) if kind is int else float(value)
    except ValueError:
        raise BadInputError(f"{name}: {value!r} is not a number", hint=f"write a number such as {'500' if kind is int else '2.50'}, "
                            "or leave the field empty") from None
    if number < minimum or (kind is float and number <= 0):
        raise BadInputError(f"{name}: {value!r} is too small", hint=f"use {minimum:g} or more, or leave the field empty")
    return number


@router.get("/catalog", response_class=HTMLResponse)
def catalog(request: Request, services: ServicesDep, principal: PrincipalDep, q: str = "", qty: str = "", max_price: str = "", currency: str = "USD",
            cert: str = "", country: str = "", max_lead_time: str = "", verified: bool = False) -> HTMLResponse:
    form = {"q": q, "qty": _number(qty, "quantity", int, 1), "max_price": _number(max_price, "max unit price", float, 0),
            "currency": currency.upper()[:3], "cert": cert, "country": country,
            "max_lead_time": _number(max_lead_time, "max lead time", int, 0), "verified": verified}
    response = None
    if q.strip():
        filters = SearchFilters.from_params(qty=form["qty"], max_price=form["max_price"], currency=form["currency"], cert=cert,
                                            country=country, max_lead_time=form["max_lead_time"], verified=verified)
        response = services.search.scoped(principal.workspace_id).search(SearchRequest(text=q[:2000], filters=filters, limit=30, facets=True))

    def with_param(name: str, value: str) -> str:
        params = {k: v for k, v in form.items() if v not in (None, "", False)}
        values = split_list(str(params.get(name, "")))
        params[name] = ",".join(v for v in values if v != value) if value in values else ",".join([*values, value])
        return "/catalog?" + urlencode({k: v for k, v in params.items() if v not in (None, "")})

    return page(request, "catalog.html", form=form, response=response, with_param=with_param, active=set(split_list(cert)) | set(split_list(country)),
                stats=services.repo.scoped(principal.workspace_id).counts())


def _record(repo, record_id: str, kind: type):
    record = repo.get(record_id)
    if not isinstance(record, kind):
        raise NotFoundError(f"{record_id!r} is not a {kind.__name__.lower()} id")
    return record


@router.get("/offers/{offer_id}", response_class=HTMLResponse)
def offer_page(offer_id: str, request: Request, services: ServicesDep, principal: PrincipalDep) -> HTMLResponse:
    repo = services.repo.scoped(principal.workspace_id)
    offer = _record(repo, offer_id, Offer)
    related = repo.get_many([offer.product_id, offer.supplier_id])
    return page(request, "offer.html", offer=offer, product=related.get(offer.product_id), supplier=related.get(offer.supplier_id))


@router.get("/products/{product_id}", response_class=HTMLResponse)
def product_page(product_id: str, request: Request, services: ServicesDep, principal: PrincipalDep) -> HTMLResponse:
    repo = services.repo.scoped(principal.workspace_id)
    product = _record(repo, product_id, Product)
    offers = repo.offers_for_product(product_id)
    suppliers = repo.get_many([o.supplier_id for o in offers])
    return page(request, "product.html", product=product, offers=offers, suppliers=suppliers, price_at=price_at)


@router.get("/suppliers/{supplier_id}", response_class=HTMLResponse)
def supplier_page(supplier_id: str, request: Request, services: ServicesDep, principal: PrincipalDep) -> HTMLResponse:
    return page(request, "supplier.html", supplier=_record(services.repo.scoped(principal.workspace_id), supplier_id, Supplier))


# -- bulk ---------------------------------------------------------------------------------
@router.get("/bulk", response_class=HTMLResponse)
def bulk_page(request: Request) -> HTMLResponse:
    return page(request, "bulk.html")


@router.get("/ui/bulk/{job_id}/plan", response_class=HTMLResponse)
def bulk_plan(job_id: str, request: Request, services: ServicesDep, principal: PrincipalDep) -> HTMLResponse:
    plan = load_plan(services, principal.workspace_id, job_id)
    if plan is None:
        raise NotFoundError(f"bulk job {job_id} has no plan yet", hint="wait for the 'done' event")
    rows = {r.line_id: r for r in plan.lines}
    chosen = {r.line_id: next((o for o in r.options if o.offer_id == r.chosen_offer_id), None) for r in plan.lines}
    by_supplier: dict[str, list] = {}
    for line_id, option in chosen.items():
        if option is not None:
            by_supplier.setdefault(option.supplier_id, []).append((rows[line_id], option))
    return page(request, "_bulk_plan.html", plan=plan, by_supplier=sorted(by_supplier.items(), key=lambda kv: -len(kv[1])),
                flagged=[r for r in plan.lines if r.chosen_offer_id is None])


# -- import -------------------------------------------------------------------------------
@router.get("/import", response_class=HTMLResponse)
def import_page(request: Request) -> HTMLResponse:
    return page(request, "import.html", formats=FORMATS, report=None, error=None)


@router.post("/import", response_class=HTMLResponse, dependencies=[OPERATOR])
async def import_upload(request: Request, services: ServicesDep, principal: PrincipalDep, accounts: AccountsDep, file: UploadFile = File(...), format: str = Form(""),
                        strict: bool = Form(False), supplier_name: str = Form(""), supplier_country: str = Form("")) -> HTMLResponse:
    try:
        report = await run_upload(services, accounts, principal, file, format or None, strict=strict, supplier_name=supplier_name.strip() or None,
                                  supplier_country=supplier_country.strip() or None)
    except BadInputError as exc:
        return page(request, "import.html", status_code=400, formats=FORMATS, report=None, error=exc)
    return page(request, "import.html", status_code=200 if not report.refused else 400, formats=FORMATS, report=report, error=None)
