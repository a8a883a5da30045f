"""`flask demo` and `flask doctor`."""

from sqlalchemy import func, select

from webapp.demo import CUSTOMERS, DEMO_PASSWORD, MEMBERS, POOL_CUSTOMERS
from webapp.doctor import check_assets, check_cjk_font, check_harfbuzz_subset, check_migrations
from webapp.extensions import db
from webapp.models import Customer
from webapp.services import lookups
from webapp.tenancy.context import tenant_context


def test_demo_seeds_an_empty_database_once(app, client):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    assert DEMO_PASSWORD in result.output
    for email, *_ in MEMBERS:
        assert email in result.output
    with app.app_context(), tenant_context(lookups.company_id("demo")):
        # one demo inquiry was converted into a new customer (demo/inquiries.py);
        # the pool's customers plus one near auto-return (demo._seed_pool)
        expected = len(CUSTOMERS) + 1 + len(POOL_CUSTOMERS) + 1
        assert db.session.scalar(select(func.count(Customer.id))) == expected

    again = runner.invoke(args=["demo"])
    assert again.exit_code == 0 and "already" in again.output

    # the printed logins work
    response = client.post("/login", data={"email": MEMBERS[0][0], "password": DEMO_PASSWORD})
    assert response.headers["Location"].endswith("/t/demo/")
    assert "Nordlicht" in client.get("/t/demo/customers/").get_data(as_text=True)


def test_doctor_finds_what_setup_installs(app):
    """`make test` runs the set-up first, so fonts, HarfBuzz and assets must all be there."""
    with app.app_context():
        for check in (check_cjk_font(), check_harfbuzz_subset(), check_assets()):
            assert check.ok, f"{check.name}: {check.detail} -> {check.fix}"


def test_doctor_names_the_fix_when_migrations_lag(app):
    # the suite's schema comes from create_all(), so no Alembic revision is recorded
    with app.app_context():
        check = check_migrations()
    assert not check.ok
    assert "db upgrade" in check.fix
