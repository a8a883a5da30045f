"""Flask CLI commands: `flask demo` seeds the demo company, `flask doctor` checks the machine,
`flask rls setup|check` manages PostgreSQL row-level security, `flask backup` copies SQLite,
`flask counts rebuild` recounts the kept customer counts."""

from __future__ import annotations

import sys
from contextlib import contextmanager

import click
from flask import Flask

from .demo import DEMO_PASSWORD, demo_logins, seed_demo
from .doctor import run_checks
from .extensions import db
from .jobs.periodic import sweep_pools
from .models import Tenant
from .services import lookups, tally
from .services.backup import BackupError, backup_sqlite
from .tenancy import rls
from .tenancy.context import tenant_context


def register_cli(app: Flask) -> None:
    @app.cli.command("demo")
    @click.option("--force", is_flag=True, help="Seed even when other companies already exist.")
    @click.option("--base-url", default="http://127.0.0.1:5000", help="Where the app is served.")
    def demo_command(force: bool, base_url: str) -> None:
        """Create the demo company with users and sample customers (only into an empty database)
        and print its logins."""

        seeded = seed_demo(force=force)
        logins = demo_logins()
        if not logins:
            click.echo("Database already has companies: demo data not added (use --force).")
            return
        click.echo("")
        state = "created" if seeded else "already there"
        click.echo(f"Demo company {state}: {base_url.rstrip('/')}/t/demo/")
        click.echo(f"Demo logins (password for all: {DEMO_PASSWORD}):")
        for email, name, roles in logins:
            click.echo(f"  {email:<32} {name:<10} {roles}")
        click.echo("")

    @app.cli.command("doctor")
    def doctor_command() -> None:
        """Check CJK fonts, HarfBuzz subsetting, database, migrations and front-end assets."""

        failed = 0
        for check in run_checks():
            mark = click.style("ok  ", fg="green") if check.ok else click.style("FAIL", fg="red")
            click.echo(f"[{mark}] {check.name}: {check.detail}")
            if not check.ok:
                failed += 1
                click.echo(f"       fix: {check.fix}")
        sys.exit(1 if failed else 0)

    @app.cli.group("rls")
    def rls_group() -> None:
        """PostgreSQL row-level security (docs/deploy.md)."""

    @contextmanager
    def _owner_engine():
        """The tables' owner (MIGRATION_DATABASE_URL) if set, else the app's own connection."""
        from sqlalchemy import create_engine

        url = app.config.get("MIGRATION_DATABASE_URL")
        engine = create_engine(url) if url else db.engine
        try:
            yield engine
        finally:
            if url:
                engine.dispose()

    @rls_group.command("setup")
    @click.option(
        "--role",
        default=None,
        help="The application's login role to create/grant (default: DATABASE_APP_ROLE).",
    )
    def rls_setup(role: str | None) -> None:
        """As the tables' owner: force the policies on every tenant table, put the global
        tables under theirs with the lookup functions, and grant the application role data
        access (creating it without BYPASSRLS if needed)."""

        role = role or app.config["DATABASE_APP_ROLE"]
        with _owner_engine() as engine:
            if engine.dialect.name != "postgresql":
                click.echo("Row-level security is PostgreSQL's; SQLite relies on the ORM guard.")
                return
            with engine.begin() as conn:
                rls.enable(conn)
                rls.enable_global(conn)
                rls.grant_app_role(conn, role)
        click.echo(
            f"RLS forced on every tenant table, on the global tables too; role {role} granted."
        )

    @rls_group.command("check")
    def rls_check() -> None:
        """List tenant tables without row-level security (exit 1 if any)."""

        with _owner_engine() as engine:
            if engine.dialect.name != "postgresql":
                click.echo("Row-level security is PostgreSQL's; nothing to check on SQLite.")
                return
            with engine.connect() as conn:
                missing = rls.missing_policies(conn)
                tables = rls.tenant_tables(conn)
                global_problems = rls.missing_global_policies(conn)
                global_count = len(rls.global_tables(conn))
        if missing:
            click.echo("Tenant tables without the RLS policy: " + ", ".join(missing))
        for problem in global_problems:
            click.echo(f"Global tables: {problem}")
        if missing or global_problems:
            sys.exit(1)
        click.echo(
            f"ok: {len(tables)} tenant tables, every one with RLS forced; "
            f"{global_count} global tables with their policies and lookup functions."
        )

    @app.cli.command("backup")
    @click.argument("target", type=click.Path(dir_okay=False, writable=True))
    def backup_command(target: str) -> None:
        """Write a consistent copy of the SQLite database to TARGET while the app runs."""

        try:
            pages = backup_sqlite(app.config["SQLALCHEMY_DATABASE_URI"], target)
        except BackupError as err:
            click.echo(str(err), err=True)
            sys.exit(2)
        click.echo(f"Backed up {pages} pages to {target}")

    @app.cli.group("pool")
    def pool_group() -> None:
        """The shared customer pool (公海)."""

    @pool_group.command("sweep")
    def pool_sweep() -> None:
        """Send customers with no follow-up for longer than their grade's rule back to the
        pool, in every company. The job queue's consumer does this every hour by itself
        (webapp/jobs/periodic.py); the pool page also sweeps its own company when read."""
        returned = sweep_pools()
        for slug, count in returned.items():
            if count:
                click.echo(f"{slug}: {count} customer(s) back to the pool")
        click.echo(f"Swept: {sum(returned.values())} customer(s) back to the pool.")

    @app.cli.group("counts")
    def counts_group() -> None:
        """The customer counts kept by triggers (customer_tally)."""

    @counts_group.command("rebuild")
    @click.option("--company", "slug", default=None, help="Only this company (its slug).")
    def counts_rebuild(slug: str | None) -> None:
        """Count every company's customers again into the kept counts, and say which were
        wrong. Safe while the app runs: writers to customers wait a moment per company."""
        if slug:
            found = lookups.company_id(slug)
            if found is None:
                click.echo(f"No company {slug!r}.", err=True)
                sys.exit(2)
            companies = [found]
        else:
            companies = lookups.company_ids()
        repaired = 0
        for tenant_id in companies:
            with tenant_context(tenant_id):
                if tally.rebuild(tenant_id):
                    repaired += 1
                    # inside the company: PostgreSQL shows its row only there
                    tenant_slug = db.session.get(Tenant, tenant_id).slug
                    click.echo(f"{tenant_slug}: the counts were wrong; rebuilt")
                db.session.commit()
        click.echo(f"Counted {len(companies)} company(ies) again; {repaired} had drifted.")
