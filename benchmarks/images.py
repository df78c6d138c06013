"""Main images: how well the product is cut out, ISNet against GrabCut, on synthetic studio scenes with known masks.

    python benchmarks/images.py [--scenes 20] [--size 768] [--json]

The scenes are drawn by ``seller.listings.images.scene`` (a bottle, a box or a mug, shaded, on a graded backdrop
with a soft shadow and noise); each method cuts every scene out, and the intersection over union with the true mask
and the time are printed, median and worst. Seeds from 1000 up: the tests and development used seeds below 10.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys

from tradewinds.seller.listings.images import cut_out, iou, model_path, scene


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--scenes", type=int, default=20)
    p.add_argument("--size", type=int, default=768)
    p.add_argument("--json", action="store_true")
    a = p.parse_args()
    methods = ["isnet", "grabcut"] if model_path() else ["grabcut"]
    results = {m: {"iou": [], "s": []} for m in methods}
    for seed in range(1000, 1000 + a.scenes):
        img, mask = scene(seed, a.size)
        for m in methods:
            cut = cut_out(img, method=m)
            results[m]["iou"].append(iou(cut.mask, mask))
            results[m]["s"].append(cut.seconds)
    summary = {m: {"iou_median": statistics.median(r["iou"]), "iou_min": min(r["iou"]), "iou_mean": statistics.fmean(r["iou"]),
                   "s_median": statistics.median(r["s"]), "s_max": max(r["s"])} for m, r in results.items()}
    if a.json:
        print(json.dumps({"scenes": a.scenes, "size": a.size, **summary}, indent=2))
        return 0
    print(f"main images: {a.scenes} synthetic scenes of {a.size}x{a.size} px with known masks"
          + ("" if "isnet" in methods else " (ISNet not installed: run scripts/fetch_image_model.py)"))
    print(f"  {'method':<10} {'IoU mean':>9} {'median':>8} {'worst':>7} {'s/image':>8} {'slowest':>8}")
    for m, s in summary.items():
        print(f"  {m:<10} {s['iou_mean']:>9.3f} {s['iou_median']:>8.3f} {s['iou_min']:>7.3f} {s['s_median']:>8.2f} {s['s_max']:>8.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
