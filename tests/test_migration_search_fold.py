"""Migration 0029 rewrites existing search rows with the folded text (address, QQ and
WeChat included), and its downgrade writes 0012's lower-cased rows back."""

from __future__ import annotations

from flask_migrate import downgrade, upgrade
from sqlalchemy import text

from tests.test_migrations import empty_database_url  # noqa: F401  (the fixture)
from webapp import create_app
from webapp.config import TestConfig
from webapp.extensions import db


def test_search_rows_are_folded_on_upgrade(empty_database_url: str) -> None:  # noqa: F811
    config = type("MigrationConfig", (TestConfig,), {"SQLALCHEMY_DATABASE_URI": empty_database_url})
    app = create_app(config)
    with app.app_context():
        upgrade(revision="0002")  # the address, QQ and WeChat columns; few required ones yet
        with db.engine.begin() as conn:
            conn.execute(text(
                "INSERT INTO tenant (id, slug, name, home_country, default_locale, created_at,"
                " updated_at) VALUES (1, 'old-co', 'Old Co', 'CN', 'zh', CURRENT_TIMESTAMP,"
                " CURRENT_TIMESTAMP)"
            ))  # fmt: skip
            conn.execute(
                text(
                    "INSERT INTO customer (id, tenant_id, name, name_key, address, country,"
                    " version, stages, created_at, updated_at) VALUES (1, 1, :name,"
                    " 'mullerlicht', :address, 'DE', 1, 0, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
                ),
                {"name": "MÜLLER Licht GmbH", "address": "Königstraße 1, Stuttgart"},
            )
            conn.execute(
                text(
                    "INSERT INTO contact (id, tenant_id, customer_id, name, wechat, qq,"
                    " is_primary, decision_maker, version, created_at, updated_at) VALUES"
                    " (1, 1, 1, 'Jürgen', 'wx_Juergen', '12345678', true, false, 1,"
                    " CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
                )
            )
        upgrade(revision="0022")
        with db.engine.connect() as conn:  # 0012's backfill: lower-cased, no address/QQ/WeChat
            assert (
                conn.scalar(text("SELECT text FROM customer_search")) == "müller licht gmbh\njürgen"
            )
        upgrade()
        with db.engine.connect() as conn:
            folded = conn.scalar(text("SELECT text FROM customer_search"))
        assert folded == (
            "muller licht gmbh\nkonigstrasse 1, stuttgart\njurgen\n12345678\nwx_juergen"
        )
        downgrade(revision="0022")
        with db.engine.connect() as conn:
            assert (
                conn.scalar(text("SELECT text FROM customer_search")) == "müller licht gmbh\njürgen"
            )
        db.engine.dispose()
