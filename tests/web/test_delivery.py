"""Delivery (issue 25): static URLs carry a fingerprint so nginx may cache them for a year, the
nginx example in docs/deploy.md compresses text and sets that cache, and the first-visit cost
it states matches the files."""

from __future__ import annotations

import gzip
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "docs" / "deploy.md"
STATIC = ROOT / "webapp" / "static"
ASSET = re.compile(r'(?:href|src)="/static/([^"?]+)\?v=([0-9a-f]{10})"')


def _nginx_example() -> str:
    return re.search(r"```nginx\n(.*?)```", DEPLOY.read_text(encoding="utf-8"), re.S).group(1)


def test_pages_link_static_files_with_a_fingerprint(client) -> None:
    html = client.get("/login").get_data(as_text=True)
    linked = dict(ASSET.findall(html))
    assert {"vendor/bootstrap.min.css", "css/app.css", "vendor/htmx.min.js", "js/app.js"} <= set(
        linked
    ), html[:2000]
    # a changed file is a new URL: the fingerprint follows the content
    assert len(set(linked.values())) == len(linked)


def test_nginx_example_compresses_text_and_caches_static_files() -> None:
    nginx = _nginx_example()
    assert re.search(r"^\s*gzip on;", nginx, re.M)
    types = re.search(r"^\s*gzip_types ([^;]+);", nginx, re.M).group(1).split()
    assert {"text/css", "application/javascript", "image/svg+xml"} <= set(types)
    assert re.search(r"^\s*gzip_proxied any;", nginx, re.M)  # the app's HTML comes via proxy
    static = re.search(r"location /static/ \{(.*?)\n    \}", nginx, re.S).group(1)
    max_age = int(re.search(r"max-age=(\d+)", static).group(1))
    assert max_age >= 365 * 24 * 3600 and "immutable" in static


def test_first_visit_figure_matches_the_files() -> None:
    stated = re.search(r"travel\s+as\s+about\s+(\d+)\s+KB", DEPLOY.read_text(encoding="utf-8"))
    assert stated, "docs/deploy.md states what a first visit costs"
    files = [
        "vendor/bootstrap.min.css",
        "vendor/bootstrap.bundle.min.js",
        "vendor/htmx.min.js",
        "css/app.css",
        "js/app.js",
    ]
    compressed = sum(len(gzip.compress((STATIC / f).read_bytes(), 6)) for f in files)
    assert abs(compressed / 1000 - int(stated.group(1))) <= 0.1 * compressed / 1000, compressed
