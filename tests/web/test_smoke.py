from tests.conftest import count_queries
from tests.factories import make_contact, make_customer


def test_landing_and_health(client):
    assert client.get("/").status_code == 200
    assert client.get("/healthz").get_json() == {"status": "ok"}


def test_customer_list_queries_do_not_grow(app, client_a, company_a):
    make_customer(app, company_a, "One GmbH")
    client_a.get("/t/alpha-trading/customers/")
    with count_queries(app) as few:
        assert client_a.get("/t/alpha-trading/customers/").status_code == 200
    for i in range(15):
        cid = make_customer(app, company_a, f"Customer {i}")
        make_contact(app, company_a, cid, f"Contact {i}")
    with count_queries(app) as many:
        response = client_a.get("/t/alpha-trading/customers/")
    assert "Customer 14" in response.get_data(as_text=True)
    assert len(many) == len(few), many
