"""Tenancy: every company's rows stay its own. One job per module (docs/architecture.md):

- context.py  the current company, tenant_context(), cross_tenant(), the exceptions
- model.py    the TenantScoped mixin, the only thing webapp/models import from here
- guard.py    the ORM hooks that limit every statement and flush to the current company
- rls.py      PostgreSQL row-level security, the database's own check
- web.py      company URLs: tenant_blueprint(), the login redirect, URL defaults, get_or_404()

This file imports none of them: web.py imports the models, which import model.py, and an import
here would make that a cycle.
"""
