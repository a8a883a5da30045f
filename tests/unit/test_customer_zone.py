"""A customer's time zone where its country spans several (issue 25): from the state or city
the address names, else the one picked on the card, else the country's main zone, said so."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest

from webapp.models import Customer
from webapp.services import localinfo
from webapp.services.zones import zone_from_address


@pytest.mark.parametrize(
    ("country", "address", "zone", "place"),
    [
        ("US", "1200 Market St, San Francisco, CA 94103", "America/Los_Angeles", "California"),
        ("US", "350 5th Ave, New York, NY 10118", "America/New_York", "New York"),
        ("US", "Portland, ME 04101", "America/New_York", "Maine"),
        ("US", "Portland, OR 97201", "America/Los_Angeles", "Oregon"),
        ("US", "Kansas City, MO 64105", "America/Chicago", "Missouri"),
        ("US", "1600 Pennsylvania Ave NW, Washington, DC 20500", "America/New_York",
         "District of Columbia"),
        ("US", "Pike Place, Seattle, Washington", "America/Los_Angeles", "Seattle"),
        ("US", "742 Evergreen Terrace, Springfield, Illinois", "America/Chicago", "Illinois"),
        ("US", "美国加州洛杉矶市", "America/Los_Angeles", "美国加州洛杉矶市"),
        ("AU", "1 Collins Street, Melbourne VIC 3000", "Australia/Melbourne", "Victoria"),
        ("AU", "Hay St, Perth WA 6000", "Australia/Perth", "Western Australia"),
        ("CA", "Granville St, Vancouver, BC V6B 1A1", "America/Vancouver", "British Columbia"),
        ("BR", "Rua Sao Bento 1, Manaus", "America/Manaus", "Manaus"),
    ],
)  # fmt: skip
def test_the_zone_from_the_address(country, address, zone, place):
    assert zone_from_address(country, address) == (zone, place)


@pytest.mark.parametrize(
    ("country", "address"),
    [("US", "somewhere nice"), ("US", None), ("FR", "Paris"), ("US", "Main St, or else")],
)
def test_no_zone_from_an_address_that_does_not_say(country, address):
    assert zone_from_address(country, address) is None


def test_san_francisco_is_not_new_york():
    found = localinfo.customer_zone("US", "1200 Market St, San Francisco, CA 94103")
    assert found.zone == ZoneInfo("America/Los_Angeles") and found.source == "address"
    assert found.place == "California" and "America/New_York" in found.choices


def test_a_zone_picked_on_the_card_wins_when_it_is_the_countrys():
    found = localinfo.customer_zone("US", "Somewhere", "America/Denver")
    assert (found.zone, found.source) == (ZoneInfo("America/Denver"), "chosen")
    # a zone of another country (the country changed since): worked out again
    found = localinfo.customer_zone("US", "Austin, TX", "Europe/Berlin")
    assert (found.zone, found.source) == (ZoneInfo("America/Chicago"), "address")


def test_the_countrys_main_zone_says_there_are_others():
    found = localinfo.customer_zone("US", None)
    assert (found.zone, found.source, found.place) == (ZoneInfo("America/New_York"), "country",
                                                        None)  # fmt: skip
    assert len(found.choices) > 5
    single = localinfo.customer_zone("FR", "Paris")
    assert (single.zone, single.source, single.choices) == (ZoneInfo("Europe/Paris"), "country",
                                                            ())  # fmt: skip
    assert localinfo.customer_zone(None) is None


def test_choose_zone_takes_only_the_countrys_zones(app):
    customer = Customer(name="Acme", country="US")
    with app.test_request_context():
        localinfo.choose_zone(customer, "America/Phoenix")
        assert customer.time_zone == "America/Phoenix"
        with pytest.raises(localinfo.ZoneRefused):
            localinfo.choose_zone(customer, "Asia/Shanghai")
        assert customer.time_zone == "America/Phoenix"
        localinfo.choose_zone(customer, "")
        assert customer.time_zone is None


def test_zone_options_are_named_in_the_users_language():
    options = dict(localinfo.zone_options(("America/New_York", "America/Los_Angeles"), "zh"))
    assert options == {"America/New_York": "美国（纽约）时间",
                       "America/Los_Angeles": "美国（洛杉矶）时间"}  # fmt: skip
