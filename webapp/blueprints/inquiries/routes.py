"""Inquiries (询盘): list, record, assign, convert into a customer."""

from __future__ import annotations

from ...tenancy import tenant_blueprint

bp = tenant_blueprint("inquiries", __name__, "/inquiries")
