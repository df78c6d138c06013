"""Certification names: the common ones written one way ('iso9001' -> 'ISO 9001'), for records, filters and needs."""

from __future__ import annotations

KNOWN_CERTIFICATIONS = (
    "ISO 9001", "ISO 14001", "ISO 13485", "ISO 22000", "HACCP", "BSCI", "SEDEX", "WRAP", "GOTS",
    "OEKO-TEX", "FSC", "GRS", "CE", "UKCA", "FCC", "UL", "ETL", "RoHS", "REACH", "FDA", "LFGB",
    "NSF", "CPC", "EN 71", "ASTM F963", "CB", "TUV", "SGS", "GS", "ERP", "Energy Star", "DOE",
    "CCC", "KC", "PSE", "SASO", "EN 1078", "EN 166", "EN 149", "CPSIA", "IEC 61215", "IEC 62133",
    "UN38.3", "MSDS", "BIFMA", "ISO 45001", "Halal",
)
_CERT_LOOKUP = {c.upper().replace(" ", "").replace("-", ""): c for c in KNOWN_CERTIFICATIONS}


def normalize_certification(value: str) -> str:
    """``"iso9001"`` -> ``"ISO 9001"``; unknown names are trimmed and kept."""
    key = value.strip().upper().replace(" ", "").replace("-", "").replace("_", "")
    return _CERT_LOOKUP.get(key, value.strip())
