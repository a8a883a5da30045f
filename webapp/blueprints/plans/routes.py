"""The call/visit plan vs. actual (客户跟踪计划表)."""

from __future__ import annotations

from ...tenancy import tenant_blueprint

bp = tenant_blueprint("plans", __name__, "/plans")
