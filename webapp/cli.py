"""Flask CLI commands: `flask demo` seeds the demo company, `flask doctor` checks the machine."""

from __future__ import annotations

import sys

import click
from flask import Flask


def register_cli(app: Flask) -> None:
    @app.cli.command("demo")
    @click.option("--force", is_flag=True, help="Seed even when other companies already exist.")
    @click.option("--base-url", default="http://127.0.0.1:5000", help="Where the app is served.")
    def demo_command(force: bool, base_url: str) -> None:
        """Create the demo company with users and sample customers (only into an empty database)
        and print its logins."""
        from .demo import DEMO_PASSWORD, demo_logins, seed_demo

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
        from .doctor import run_checks

        failed = 0
        for check in run_checks():
            mark = click.style("ok  ", fg="green") if check.ok else click.style("FAIL", fg="red")
            click.echo(f"[{mark}] {check.name}: {check.detail}")
            if not check.ok:
                failed += 1
                click.echo(f"       fix: {check.fix}")
        sys.exit(1 if failed else 0)
