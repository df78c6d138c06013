"""Marketplace profiles as data: one TOML file per marketplace (``markets/<id>.toml``, shipped), each with its limits,
banned terms and claims, units, sizes, taboos, AI label and image size, its sources and when they were checked.

A user adds or overrides a profile by putting ``<id>.toml`` in ``<data_dir>/markets/`` (TRADEWINDS_DATA_DIR): the same
fields, validated the same way; a bad file is refused with its name and the field.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ...errors import BadInputError, NotFoundError

SHIPPED = Path(__file__).with_name("markets")


class _Part(BaseModel):
    model_config = ConfigDict(extra="forbid")


class TitleRules(_Part):
    max_chars: int = Field(gt=0, le=1000)
    forbidden_chars: str = ""
    max_word_repeats: int = Field(2, ge=1)
    no_all_caps: bool = True
    case: Literal["title", "sentence", "none"] = "none"


class Bullets(_Part):
    count: int = Field(ge=0, le=10)
    max_chars: int = Field(ge=0, le=2000)


class Description(_Part):
    max_chars: int = Field(gt=0, le=100_000)
    html: bool = False


class Keywords(_Part):
    max_bytes: int = Field(ge=0, le=10_000)


class Rules(_Part):
    required_attributes: list[str] = Field(default_factory=list)
    banned_terms: list[str] = Field(default_factory=list, description="promotional words the market refuses (any field)")
    banned_claims: list[str] = Field(default_factory=list, description="medical, environmental and other claims that need proof")
    no_contact_details: bool = True
    taboos: list[str] = Field(default_factory=list, description="what the market or its law does not allow to be sold or shown")


class AiLabel(_Part):
    metadata: bool = True
    text: str = Field("", max_length=200, description="a label the text itself must carry, where the market or the law asks")


class ImageSpec(_Part):
    width: int = Field(gt=0, le=10_000)
    height: int = Field(gt=0, le=10_000)
    background: str = Field("#FFFFFF", pattern=r"^#[0-9A-Fa-f]{6}$")
    fill: float = Field(0.85, gt=0, le=1)


class MarketProfile(_Part):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{1,40}$")
    name: str
    language: str = Field(pattern=r"^[a-z]{2}$")
    units: Literal["metric", "imperial"]
    sizes: str
    currency: str = Field(pattern=r"^[A-Z]{3}$")
    sources: list[str] = Field(default_factory=list)
    checked: str = Field(description="when the rules were last checked against the sources (ISO date)")
    title: TitleRules
    bullets: Bullets
    description: Description
    keywords: Keywords
    rules: Rules
    ai_label: AiLabel
    image: ImageSpec


def _load(path: Path) -> MarketProfile:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise BadInputError(f"{path.name}: not TOML ({exc})", hint="see a shipped profile, e.g. markets/amazon-us.toml") from None
    try:
        profile = MarketProfile.model_validate(data)
    except ValidationError as exc:
        e = exc.errors()[0]
        raise BadInputError(f"{path.name}: {'.'.join(map(str, e['loc'])) or 'the file'}: {e['msg']}",
                            hint="the fields and their meaning: docs/listings.md") from None
    if profile.id != path.stem:
        raise BadInputError(f"{path.name}: its id is {profile.id!r}; a profile's file is named after its id", hint=f"rename it {profile.id}.toml")
    return profile


def profiles(user_dir: Path | None = None) -> dict[str, MarketProfile]:
    """Every profile: the shipped ones, then the user's (which replace a shipped one of the same id)."""
    out = {p.stem: _load(p) for p in sorted(SHIPPED.glob("*.toml"))}
    if user_dir is not None and user_dir.is_dir():
        out.update({p.stem: _load(p) for p in sorted(user_dir.glob("*.toml"))})
    return out


def profile(market: str, user_dir: Path | None = None) -> MarketProfile:
    known = profiles(user_dir)
    if market not in known:
        raise NotFoundError(f"no marketplace profile {market!r}", hint=f"one of: {', '.join(known)}; or add {market}.toml to {user_dir or 'data/markets'}")
    return known[market]
