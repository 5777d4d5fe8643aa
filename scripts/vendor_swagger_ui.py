"""Vendor Swagger UI (the ``/docs`` page) into ``src/hashpivot/web/static/swagger-ui/``.

The dashboard works offline and its Content-Security-Policy allows only its own scripts,
so ``/docs`` serves Swagger UI's files from the package, not from a CDN. This script
fetches the official ``swagger-ui-dist`` package from the npm registry (``npm pack``),
checks the tarball against the integrity hash recorded here, copies the files ``/docs``
needs with the licence and notice, and writes ``PROVENANCE.md`` with each file's SHA-256.

Why not a PyPI package: ``swagger-ui-bundle`` (spec-first, 1.1.0) ships Swagger UI 4.15.5,
which cannot render the OpenAPI 3.1 documents FastAPI writes; ``swagger-ui-bundle-v2`` is
a fork by another publisher, whose files are those of ``swagger-ui-dist`` (the same
SHA-256) but whose import name is the original's.

Run: ``python scripts/vendor_swagger_ui.py`` (needs ``npm``); to move to another version,
set ``VERSION`` and ``INTEGRITY`` (``npm view swagger-ui-dist@X dist.integrity``).
"""

from __future__ import annotations

import base64
import hashlib
import shutil
import subprocess
import tarfile
import tempfile
from pathlib import Path

VERSION = "5.31.0"
INTEGRITY = ("sha512-zSUTIck02fSga6rc0RZP3b7J7wgHXwLea8ZjgLA3Vgnb8QeOl3Wou2/j5QkzSGeoz6Hus"
             "P/coYuJl33aQxQZpg==")
FILES = ("swagger-ui-bundle.js", "swagger-ui-bundle.js.LICENSE.txt", "swagger-ui.css",
         "favicon-32x32.png", "LICENSE", "NOTICE")
DEST = Path(__file__).resolve().parents[1] / "src" / "hashpivot" / "web" / "static" / "swagger-ui"


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(["npm", "pack", f"swagger-ui-dist@{VERSION}", "--pack-destination",
                        tmp], check=True, capture_output=True)
        tarball = Path(tmp) / f"swagger-ui-dist-{VERSION}.tgz"
        digest = base64.b64encode(hashlib.sha512(tarball.read_bytes()).digest()).decode()
        if f"sha512-{digest}" != INTEGRITY:
            raise SystemExit(f"{tarball.name}: sha512-{digest} is not {INTEGRITY}")
        with tarfile.open(tarball) as tar:
            tar.extractall(tmp, members=[tar.getmember(f"package/{f}") for f in FILES],
                           filter="data")
        DEST.mkdir(parents=True, exist_ok=True)
        for name in FILES:
            shutil.copyfile(Path(tmp) / "package" / name, DEST / name)
    rows = "\n".join(
        f"| `{name}` | `{hashlib.sha256((DEST / name).read_bytes()).hexdigest()}` |"
        for name in FILES)
    (DEST / "PROVENANCE.md").write_text(f"""# Swagger UI {VERSION} (the API page, `/docs`)

Files of the npm package `swagger-ui-dist@{VERSION}` (SmartBear Software, Apache License
2.0: `LICENSE`, `NOTICE`), unchanged, so that `/docs` works offline under the dashboard's
Content-Security-Policy (no CDN). Tarball integrity: `{INTEGRITY}`.
Rebuilt by `python scripts/vendor_swagger_ui.py`.

| file | SHA-256 |
| --- | --- |
{rows}
""")


if __name__ == "__main__":
    main()
