"""Columnar offer store (numpy) for exact hard-constraint checks, facets and hit fields.

Every engine returns candidates; this store decides, exactly and vectorised, which of
them satisfy the buyer's hard constraints (price at quantity through the tier table,
MOQ, certifications, countries, lead time, Incoterm, HS prefix). Rows are addressed by
an integer ``row`` that the lexical index stores as a fast field.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from ..files import atomic_write
from .schemas import FacetCount, SearchDocument, SearchFilters

MAX_TIERS = 8
FILE = "columns.npz"  # arrays and their metadata together, so one rename publishes both
_NO_QTY = np.iinfo(np.int64).max


class _Vocab:
    def __init__(self, values: Sequence[str] = ()) -> None:
        self.values: list[str] = list(values)
        self.index = {v: i for i, v in enumerate(self.values)}

    def id(self, value: str | None) -> int:
        if value is None:
            return -1
        if value not in self.index:
            self.index[value] = len(self.values)
            self.values.append(value)
        return self.index[value]

    def get(self, value: str) -> int:
        return self.index.get(value, -2)


class OfferColumns:
    """Append-or-overwrite columns keyed by offer id."""

    INT_COLUMNS = ("prow", "moq", "lead", "incoterm", "country", "currency", "hs2", "hs4", "hs6", "workspace")

    def __init__(self) -> None:
        self.offer_ids: list[str] = []
        self.product_ids: list[str] = []
        self.supplier_ids: list[str] = []
        self.row_of: dict[str, int] = {}
        self.product_rows: dict[str, int] = {}
        self.product_meta: list[list] = []  # per product row: title, brand, model_number, category, hs_code
        self.supplier_names: dict[str, str] = {}
        self.vocab = {k: _Vocab() for k in ("incoterm", "country", "currency", "cert", "workspace")}
        n = 0
        self.alive = np.zeros(n, bool)
        self.verified = np.zeros(n, bool)
        self.ints = {k: np.zeros(n, np.int64) for k in self.INT_COLUMNS}
        self.tier_qty = np.zeros((n, MAX_TIERS), np.int64)
        self.tier_price = np.zeros((n, MAX_TIERS), np.float64)
        self.certs = np.zeros((n, 1), np.uint64)
        self._tiers_used: tuple[int, int] | None = None

    def __len__(self) -> int:
        return len(self.offer_ids)

    # -- building -------------------------------------------------------------
    def upsert(self, docs: Sequence[SearchDocument]) -> tuple[np.ndarray, list[int]]:
        """Store docs; return their rows and the product rows that are new (need vectors)."""
        new = [d for d in docs if d.offer_id not in self.row_of]
        self._grow(len(self) + len(new))
        rows = np.empty(len(docs), np.int64)
        new_products: list[int] = []
        for i, d in enumerate(docs):
            row = self.row_of.get(d.offer_id)
            if row is None:
                row = self.row_of[d.offer_id] = len(self.offer_ids)
                self.offer_ids.append(d.offer_id)
                self.product_ids.append(d.product_id)
                self.supplier_ids.append(d.supplier_id)
            prow = self.product_rows.get(d.product_id)
            if prow is None:
                prow = self.product_rows[d.product_id] = len(self.product_rows)
                new_products.append(prow)
                self.product_meta.append([])
            self.product_meta[prow] = [d.title, d.brand, d.model_number, d.category, d.hs_code]
            if d.supplier_name:
                self.supplier_names[d.supplier_id] = d.supplier_name
            self._set(row, prow, d)
            rows[i] = row
        return rows, new_products

    def _grow(self, n: int) -> None:
        old = self.alive.shape[0]
        if n <= old:
            return
        cap = max(n, int(old * 1.5) + 1024)
        pad = cap - old
        self.alive = np.concatenate([self.alive, np.zeros(pad, bool)])
        self.verified = np.concatenate([self.verified, np.zeros(pad, bool)])
        self.ints = {k: np.concatenate([v, np.full(pad, -1, np.int64)]) for k, v in self.ints.items()}
        self.tier_qty = np.concatenate([self.tier_qty, np.full((pad, MAX_TIERS), _NO_QTY, np.int64)])
        self.tier_price = np.concatenate([self.tier_price, np.full((pad, MAX_TIERS), np.nan)])
        self.certs = np.concatenate([self.certs, np.zeros((pad, self.certs.shape[1]), np.uint64)])

    def _set(self, row: int, prow: int, d: SearchDocument) -> None:
        self._tiers_used = None
        ints = self.ints
        ints["prow"][row] = prow
        ints["moq"][row] = d.moq
        ints["lead"][row] = -1 if d.lead_time_days is None else d.lead_time_days
        ints["incoterm"][row] = self.vocab["incoterm"].id(d.incoterm)
        ints["country"][row] = self.vocab["country"].id(d.supplier_country)
        ints["currency"][row] = self.vocab["currency"].id(d.currency)
        ints["workspace"][row] = self.vocab["workspace"].id(d.workspace_id)  # -1: the shared catalog
        hs = d.hs_code or ""
        for k, n in (("hs2", 2), ("hs4", 4), ("hs6", 6)):
            ints[k][row] = int(hs[:n]) if len(hs) >= n else -1
        tiers = sorted(d.price_tiers)[:MAX_TIERS]
        self.tier_qty[row] = _NO_QTY
        self.tier_price[row] = np.nan
        for t, (q, p) in enumerate(tiers):
            self.tier_qty[row, t] = q
            self.tier_price[row, t] = p
        bits = [self.vocab["cert"].id(c) for c in d.certifications]
        words = max(1, (len(self.vocab["cert"].values) + 63) // 64)
        if words > self.certs.shape[1]:
            self.certs = np.concatenate([self.certs, np.zeros((self.certs.shape[0], words - self.certs.shape[1]), np.uint64)], axis=1)
        self.certs[row] = 0
        for b in bits:
            self.certs[row, b // 64] |= np.uint64(1 << (b % 64))
        self.verified[row] = d.verified
        self.alive[row] = True

    def delete(self, offer_ids: Sequence[str]) -> int:
        rows = [self.row_of[o] for o in offer_ids if o in self.row_of]
        self.alive[rows] = False
        return len(rows)

    # -- querying -------------------------------------------------------------
    def unit_price(self, rows: np.ndarray, quantity: int | None) -> np.ndarray:
        """Unit price (offer currency) at ``quantity`` via the tier table; at MOQ when None; NaN below tier 1."""
        qty = self.ints["moq"][rows] if quantity is None else np.full(len(rows), quantity, np.int64)
        tiers = self.tiers_used()
        idx = (self.tier_qty[rows, :tiers] <= qty[:, None]).sum(axis=1) - 1
        price = self.tier_price[rows, np.clip(idx, 0, MAX_TIERS - 1)]
        return np.where(idx >= 0, price, np.nan)

    def tiers_used(self) -> int:
        """Widest tier table actually stored (most catalogs use 2-4 of the MAX_TIERS columns)."""
        n = len(self)
        if self._tiers_used is None or self._tiers_used[0] != n:
            used = int((self.tier_qty[:n] != _NO_QTY).any(axis=0).sum()) if n else 1
            self._tiers_used = (n, max(used, 1))
        return self._tiers_used[1]

    def _member(self, column: str, values: list[str], rows: np.ndarray | slice) -> np.ndarray:
        """``column in values`` through a lookup table (faster than np.isin on large row sets)."""
        vocab = self.vocab[column]
        table = np.zeros(len(vocab.values) + 1, bool)  # last slot: unknown (-1)
        for v in values:
            if v in vocab.index:
                table[vocab.index[v]] = True
        return table[self.ints[column][rows]]

    def count(self, workspace_id: str | None = None) -> int:
        """Live offers; with a workspace, the shared catalog's and that workspace's own."""
        alive = self.alive[: len(self)]
        if workspace_id is None:
            return int(alive.sum())
        owner = self.ints["workspace"][: len(self)]
        return int((alive & ((owner == -1) | (owner == self.vocab["workspace"].get(workspace_id)))).sum())

    def mask(self, f: SearchFilters, rows: np.ndarray | None, fx: dict[str, float]) -> np.ndarray:
        """Boolean mask over ``rows`` (all rows when None) of offers meeting every hard constraint.

        Cheap column tests run first; the tier-price test runs only on rows still standing.
        All rows are addressed with a slice (views, no copies), a subset with fancy indexing."""
        idx = slice(0, len(self)) if rows is None else rows
        ok = self.alive[idx].copy()
        ints = self.ints
        if f.workspace_id is not None:  # the shared catalog and this workspace's own offers, never another's
            owner = ints["workspace"][idx]
            ok &= (owner == -1) | (owner == self.vocab["workspace"].get(f.workspace_id))
        if f.quantity is not None:
            ok &= ints["moq"][idx] <= f.quantity
        if f.max_lead_time_days is not None:
            lead = ints["lead"][idx]
            ok &= (lead >= 0) & (lead <= f.max_lead_time_days)
        if f.countries:
            ok &= self._member("country", f.countries, idx)
        if f.exclude_countries:
            ok &= ~self._member("country", f.exclude_countries, idx)
        if f.incoterms:
            ok &= self._member("incoterm", f.incoterms, idx)
        if f.verified_only:
            ok &= self.verified[idx]
        if f.hs_prefix:  # a chapter (2), heading (4) or subheading (6); 3 or 5 digits: every code starting so
            p = f.hs_prefix
            key = {2: "hs2", 3: "hs4", 4: "hs4", 5: "hs6", 6: "hs6"}[len(p)]
            column = ints[key][idx]
            ok &= (column >= 0) & ((column // 10 if len(p) in (3, 5) else column) == int(p))
        for cert in f.certifications:
            b = self.vocab["cert"].get(cert)
            if b < 0:
                ok[:] = False
                break
            ok &= (self.certs[idx, b // 64] & np.uint64(1 << (b % 64))) != 0
        if f.max_unit_price is not None:
            live = np.flatnonzero(ok)
            sub = live if rows is None else rows[live]
            price = self.unit_price(sub, f.quantity)
            rate_q = fx.get(f.currency)
            cur_rates = np.array([fx.get(c, np.nan) for c in self.vocab["currency"].values] + [np.nan])
            factor = cur_rates[ints["currency"][sub]] / (rate_q if rate_q else np.nan)
            with np.errstate(invalid="ignore"):
                ok[live] = (price * factor) <= f.max_unit_price + 1e-9
        return ok

    def facets(self, rows: np.ndarray) -> dict[str, list[FacetCount]]:
        out: dict[str, list[FacetCount]] = {}
        for name, col in (("supplier_country", "country"), ("incoterm", "incoterm"), ("hs_chapter", "hs2")):
            values, counts = np.unique(self.ints[col][rows], return_counts=True)
            labels = self.vocab[col].values if col in self.vocab else None
            pairs = [((labels[v] if labels else f"{v:02d}"), int(c)) for v, c in zip(values, counts) if v >= 0]
            out[name] = [FacetCount(value=v, count=c) for v, c in sorted(pairs, key=lambda p: -p[1])[:20]]
        cert_counts = []
        for b, cert in enumerate(self.vocab["cert"].values):
            c = int(((self.certs[rows, b // 64] & np.uint64(1 << (b % 64))) != 0).sum())
            if c:
                cert_counts.append(FacetCount(value=cert, count=c))
        out["certifications"] = sorted(cert_counts, key=lambda f: -f.count)[:20]
        return out

    def hit_fields(self, row: int) -> dict:
        ints = self.ints
        certs = [c for b, c in enumerate(self.vocab["cert"].values) if int(self.certs[row, b // 64]) >> (b % 64) & 1]
        lead = int(ints["lead"][row])
        title, brand, model_number, category, hs_code = self.product_meta[ints["prow"][row]]
        return {
            "title": title, "brand": brand, "model_number": model_number, "category": category, "hs_code": hs_code,
            "supplier_name": self.supplier_names.get(self.supplier_ids[row]),
            "offer_id": self.offer_ids[row], "product_id": self.product_ids[row], "supplier_id": self.supplier_ids[row],
            "currency": self.vocab["currency"].values[ints["currency"][row]], "moq": int(ints["moq"][row]),
            "lead_time_days": lead if lead >= 0 else None,
            "incoterm": _label(self.vocab["incoterm"], ints["incoterm"][row]),
            "supplier_country": _label(self.vocab["country"], ints["country"][row]),
            "certifications": certs, "verified": bool(self.verified[row]),
        }

    # -- persistence ----------------------------------------------------------
    def save(self, path: Path) -> None:
        """One file, replaced atomically: a process killed mid-save leaves the previous version whole."""
        n = len(self)
        meta = {"offer_ids": self.offer_ids, "product_ids": self.product_ids, "supplier_ids": self.supplier_ids,
                "products": list(self.product_rows), "product_meta": self.product_meta,
                "supplier_names": self.supplier_names, "vocab": {k: v.values for k, v in self.vocab.items()}}
        arrays = dict(alive=self.alive[:n], verified=self.verified[:n], tier_qty=self.tier_qty[:n],
                      tier_price=self.tier_price[:n], certs=self.certs[:n], **{k: v[:n] for k, v in self.ints.items()},
                      meta=np.frombuffer(json.dumps(meta).encode(), np.uint8))
        atomic_write(path / FILE, lambda fh: np.savez(fh, **arrays))
        (path / "columns.json").unlink(missing_ok=True)

    @classmethod
    def load(cls, path: Path) -> "OfferColumns":
        self = cls()
        with np.load(path / FILE) as z:
            legacy = path / "columns.json"  # before the one-file layout; the next save replaces it
            meta = json.loads(z["meta"].tobytes() if "meta" in z else legacy.read_text())
            self.alive, self.verified = z["alive"], z["verified"]
            self.tier_qty, self.tier_price, self.certs = z["tier_qty"], z["tier_price"], z["certs"]
            # a column added since the file was written (the workspace, say) starts empty: -1, the shared catalog
            self.ints = {k: z[k] if k in z else np.full(len(self.alive), -1, np.int64) for k in cls.INT_COLUMNS}
        self.offer_ids, self.product_ids, self.supplier_ids = meta["offer_ids"], meta["product_ids"], meta["supplier_ids"]
        self.row_of = {o: i for i, o in enumerate(self.offer_ids)}
        self.product_rows = {p: i for i, p in enumerate(meta["products"])}
        self.product_meta, self.supplier_names = meta["product_meta"], meta["supplier_names"]
        self.vocab = {k: _Vocab(meta["vocab"].get(k, ())) for k in self.vocab}
        return self


def _label(vocab: _Vocab, idx: int) -> str | None:
    return vocab.values[idx] if idx >= 0 else None
