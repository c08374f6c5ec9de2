"""The checkout widget's weight (docs/widget.md): the bytes a shop's page downloads for it, as served
(``/widget/slots.js`` with its labels in five languages, ``/widget/slots.css``), raw and gzip-compressed (level 6,
what a typical reverse proxy sends). Prints a table and writes benchmarks/results/widget-size.json.

    PYTHONPATH=src:. .venv/bin/python benchmarks/widget_size.py
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path

from fastapi.testclient import TestClient

from doorstep.api.app import create_app
from doorstep.config import Settings
from doorstep.web.mount import mount_web

OUT = Path(__file__).resolve().parent / "results" / "widget-size.json"


def main() -> None:
    """Fetch both assets from the app and measure them."""
    app = create_app(Settings(database_url="sqlite://", secret_key="widget-size"))
    mount_web(app)
    rows = []
    c = TestClient(app)  # no lifespan (no database needed): only the two assets are asked for
    for path in ("/widget/slots.js", "/widget/slots.css"):
        body = c.get(path).content
        rows.append({"asset": path, "bytes": len(body), "gzip_bytes": len(gzip.compress(body, 6))})
    rows.append({"asset": "total", "bytes": sum(r["bytes"] for r in rows),
                 "gzip_bytes": sum(r["gzip_bytes"] for r in rows)})  # fmt: skip
    print(f"{'asset':<20}{'bytes':>8}{'gzip':>8}")
    for r in rows:
        print(f"{r['asset']:<20}{r['bytes']:>8}{r['gzip_bytes']:>8}")
    OUT.write_text(json.dumps({"assets": rows}, indent=2) + "\n")


if __name__ == "__main__":
    main()
