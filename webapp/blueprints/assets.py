"""Static file URLs carry a fingerprint of the file (`/static/app.css?v=3f2a9c1e`), so nginx
can let browsers keep them for a year (docs/deploy.md): a new file is a new URL."""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path

from flask import Flask


@lru_cache(maxsize=256)
def _fingerprint(path: Path, mtime_ns: int) -> str:
    # keyed on the mtime too: `make assets` or an edit during development gives a new URL
    return hashlib.sha256(path.read_bytes()).hexdigest()[:10]


def fingerprint(static_folder: str, filename: str) -> str | None:
    """The first 10 hex digits of the file's SHA-256; None for a file that is not there."""
    path = Path(static_folder, filename)
    try:
        return _fingerprint(path, path.stat().st_mtime_ns)
    except OSError:
        return None


def register_asset_fingerprints(app: Flask) -> None:
    @app.url_defaults
    def _static_fingerprint(endpoint: str, values: dict) -> None:
        if endpoint == "static" and "v" not in values and app.static_folder:
            version = fingerprint(app.static_folder, values.get("filename", ""))
            if version:
                values["v"] = version
