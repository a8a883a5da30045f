"""The dashboard's charts, drawn as inline SVG on the server."""

from __future__ import annotations

from ...tenancy import tenant_blueprint

bp = tenant_blueprint("charts", __name__, "/charts")
