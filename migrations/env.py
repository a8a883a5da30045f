"""Alembic environment: runs against the Flask app's database (DATABASE_URL or instance/)."""

import logging
from logging.config import fileConfig

from alembic import context
from flask import current_app
from sqlalchemy import create_engine

config = context.config
# keep the app's loggers: migrations also run inside the app process (tests, CLI)
fileConfig(config.config_file_name, disable_existing_loggers=False)
logger = logging.getLogger("alembic.env")

db = current_app.extensions["migrate"].db
# Migrations run as the tables' owner (MIGRATION_DATABASE_URL) when the app itself connects as
# a role that owns nothing (PostgreSQL row-level security, docs/deploy.md).
_owner_url = current_app.config.get("MIGRATION_DATABASE_URL")
engine = create_engine(_owner_url) if _owner_url else db.engine
config.set_main_option(
    "sqlalchemy.url", engine.url.render_as_string(hide_password=False).replace("%", "%%")
)
target_metadata = db.metadata


def run_migrations_offline() -> None:
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=True,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    def process_revision_directives(context, revision, directives):
        # `flask db migrate` with no model change writes no empty revision
        if getattr(config.cmd_opts, "autogenerate", False):
            script = directives[0]
            if script.upgrade_ops.is_empty():
                directives[:] = []
                logger.info("No changes in schema detected.")

    conf_args = dict(current_app.extensions["migrate"].configure_args)
    conf_args.setdefault("process_revision_directives", process_revision_directives)
    conf_args.setdefault("compare_type", True)

    with engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            # Batch mode rebuilds a table by dropping it: with foreign keys on, that would
            # cascade-delete the children (all contacts of a rebuilt customer table). The pragma
            # only works outside a transaction, so it goes to the driver connection directly.
            connection.connection.driver_connection.execute("PRAGMA foreign_keys=OFF")
        context.configure(connection=connection, target_metadata=target_metadata, **conf_args)
        with context.begin_transaction():
            context.run_migrations()
        if sqlite:
            raw = connection.connection.driver_connection
            broken = raw.execute("PRAGMA foreign_key_check").fetchall()
            raw.execute("PRAGMA foreign_keys=ON")
            if broken:
                raise RuntimeError(f"migration left rows with broken foreign keys: {broken[:5]}")
            # A migration that rebuilds an index drops the planner's statistics for it, and
            # SQLite then guesses: after 0021 my day took 176 ms instead of 7 until the app's
            # hourly ANALYZE (extensions._sqlite_optimize). A database analysed before gets
            # whole statistics again now (a few seconds at 100,000 customers, once a deploy).
            if raw.execute("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'").fetchone():
                raw.execute("PRAGMA analysis_limit=0")
                raw.execute("ANALYZE")
    if _owner_url:
        engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
