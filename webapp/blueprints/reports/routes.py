"""The weekly inquiry report (阿里巴巴客户跟进一览表)."""

from __future__ import annotations

from ...tenancy import tenant_blueprint

bp = tenant_blueprint("reports", __name__, "/reports")
