"""Flask CLI commands: `flask demo` seeds the demo company, `flask doctor` checks the machine."""

from __future__ import annotations

import sys

import click
from flask import Flask


def register_cli(app: Flask) -> None:
    @app.cli.command("demo")
    @click.option("--force", is_flag=True, help="Seed even when companies already exist.")
    def demo_command(force: bool) -> None:
        """Create the demo company with users and sample customers (only into an empty database)."""
        from .demo import DEMO_PASSWORD, seed_demo

        logins = seed_demo(force=force)
        if logins is None:
            click.echo("Database already has companies: demo data not added (use --force).")
            return
        click.echo("")
        click.echo("Demo company ready: http://127.0.0.1:5000/t/demo/")
        click.echo(f"Demo logins (password for all: {DEMO_PASSWORD}):")
        for email, name, roles in logins:
            click.echo(f"  {email:<32} {name:<8} {roles}")
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
