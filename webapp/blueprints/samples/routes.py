"""Samples (样品) sent to customers and inquirers."""

from __future__ import annotations

from ...tenancy import tenant_blueprint

bp = tenant_blueprint("samples", __name__, "/samples")
