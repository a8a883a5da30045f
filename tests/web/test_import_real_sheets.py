"""Importing the tracker teams really keep (the seed's 国外客户跟踪表): rows without a company
name, countries in every form, every problem listed and downloadable, odd encodings, duplicate
pairs, formula cells without a cached value."""

from __future__ import annotations

import io
import re

from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from tests.factories import make_contact, make_customer
from webapp.extensions import db
from webapp.models import Contact, Customer, FollowUp, ImportBatch
from webapp.services import importing
from webapp.tenancy.context import tenant_context

HEADER = "重要性,产品,联系人,国家,类型,公司,邮箱,跟进记录\n"
# the seed tracker's shape: one-person buyers with a contact, a country, "Personal" and no
# company name, between companies that have further contacts on the lines below
TRACKER = (
    "国外客户跟踪表(外贸文档)\n"
    + HEADER
    + "一般,projectors,mcatoolas,New Zealand,Personal,,mc@mcatoolas.co.nz,\n"  # 3
    + "非常重要,projectors,Roy Brooker,UK,Trading company,Agropromtrest ltd,roy@agroprom.ro,"
    + '"3/11 send quotation about LCD projector; 3/10: reply RFQ"\n'  # 4
    + ",,Ana Pop,,,,ana@agroprom.ro,\n"  # 5: only contact fields -> another contact
    + "重要,BC5,Daudet Jeremie,NG-尼日利亚,Personal,,daudet@yahoo.com,3/4:Reply RFQ\n"  # 6
    + "一般,projectors,mrrizwan,巴西,,,,\n"  # 7: a country of its own -> its own customer
    + ",,Kim,,,,kim@other-domain.kr,\n"  # 8: own e-mail domain -> its own customer
    + "重要,projectors,joanna,刚果,Trading company,,joanna@congo-trade.example,\n"  # 9
    + "一般,projectors,Nes,Atlantis,Buying office,Nestuying office,,\n"  # 10: unknown country
    + "一般,projectors,Bad One,Romania,Zzz type,Bad Co,bad-at-example,\n"  # 11: two problems
    + "一般,projectors,Bad Two,Romania,,Bad Two Co,also-bad,\n"  # 12
)


def _upload(client, slug, content: bytes, name: str = "tracker.csv"):
    response = client.post(
        f"/t/{slug}/imports/",
        data={"file": (io.BytesIO(content), name)},
        content_type="multipart/form-data",
    )
    assert response.status_code == 303, response.get_data(as_text=True)[:500]
    return int(response.headers["Location"].rstrip("/").split("/")[-2])


def _guessed(client, slug, batch_id) -> dict:
    page = client.get(f"/t/{slug}/imports/{batch_id}/mapping").get_data(as_text=True)
    form = {
        f"col-{i}": target
        for i, target in re.findall(
            r'name="col-(\d+)".*?<option value="([a-z_]*)" selected', page, re.S
        )
    }
    return form | {"year": "2026"}


def _preview(client, slug, content: bytes, name="tracker.csv") -> tuple[int, str]:
    batch_id = _upload(client, slug, content, name)
    response = client.post(
        f"/t/{slug}/imports/{batch_id}/mapping", data=_guessed(client, slug, batch_id)
    )
    assert response.status_code == 303, response.get_data(as_text=True)[:1000]
    return batch_id, client.get(f"/t/{slug}/imports/{batch_id}").get_data(as_text=True)


def _commit(client, slug, batch_id, **form) -> ImportBatch:
    response = client.post(f"/t/{slug}/imports/{batch_id}/commit", data={"confirm": "1", **form})
    # the test config runs jobs inside the request (JOBS_IMMEDIATE): done when it answers
    assert response.status_code == 303


def _customers(app, company) -> dict[str, Customer]:
    with app.app_context(), tenant_context(company.id):
        found = {}
        for c in db.session.scalars(select(Customer)):
            found[c.name] = {
                "country": c.country,
                "nature": c.nature,
                "remarks": c.remarks,
                "contacts": [p.name for p in c.contacts],
                "log": [
                    f.topic
                    for f in db.session.scalars(
                        select(FollowUp).where(FollowUp.customer_id == c.id).order_by(FollowUp.seq)
                    )
                ],
            }
        return found


def test_company_less_rows_countries_and_all_problems(app, client_a, company_a):
    client_a.post("/lang", data={"lang": "en"})
    batch_id, body = _preview(client_a, company_a.slug, TRACKER.encode())
    # every problem, each with its row number and reason
    assert "Unknown customer type “Zzz type”." in body and "“bad-at-example” is not" in body
    assert "“also-bad” is not an email address." in body
    assert re.search(r"<td>11</td>.*Unknown customer type", body)
    assert re.search(r"<td>12</td>.*also-bad", body)
    # the unknown country keeps its row and is shown; the ambiguous one is asked
    assert "Unknown country or region “Atlantis”" in body
    assert "“刚果” is more than one country" in body and 'name="country:刚果"' in body
    # rows without a company name: which were read as extra contacts, each can be flipped
    unnamed = body[body.index('id="unnamed-rows"') :]
    assert "Another contact of Agropromtrest ltd" in unnamed
    read_as = dict(
        re.findall(
            r'name="flip-(\d+)"[^<]*>(?:(?!</select>).)*?value="(\w+)" selected', unnamed, re.S
        )
    )
    assert read_as == {"3": "customer", "5": "contact", "6": "customer", "7": "customer",
                       "8": "customer", "9": "customer"}  # fmt: skip

    # answer the country question and count again: the question is remembered
    revised = client_a.post(
        f"/t/{company_a.slug}/imports/{batch_id}/preview", data={"country:刚果": "CD"}
    )
    assert revised.status_code == 303
    body = client_a.get(f"/t/{company_a.slug}/imports/{batch_id}").get_data(as_text=True)
    assert '<option value="CD" selected>' in body

    _commit(client_a, company_a.slug, batch_id, skip_invalid="1", **{"country:刚果": "CD"})
    found = _customers(app, company_a)
    assert set(found) == {
        "mcatoolas", "Agropromtrest ltd", "Daudet Jeremie", "mrrizwan", "Kim", "joanna",
        "Nestuying office",
    }  # fmt: skip
    assert found["mcatoolas"]["country"] == "NZ" and found["mcatoolas"]["nature"] == "personal"
    assert found["Agropromtrest ltd"]["contacts"] == ["Roy Brooker", "Ana Pop"]
    assert found["Agropromtrest ltd"]["country"] == "GB"
    # the buyer's log is in their own timeline, not in the company's above
    assert found["Daudet Jeremie"]["country"] == "NG"
    assert found["Daudet Jeremie"]["log"] == ["Reply RFQ"]
    assert found["Agropromtrest ltd"]["log"] == ["reply RFQ", "send quotation about LCD projector"]
    assert found["mrrizwan"]["country"] == "BR" and found["joanna"]["country"] == "CD"
    assert found["Nestuying office"]["country"] is None
    assert "Atlantis" in found["Nestuying office"]["remarks"]


def test_a_flipped_row_goes_where_the_user_says(app, client_a, company_a):
    batch_id, _body = _preview(client_a, company_a.slug, TRACKER.encode())
    _commit(
        client_a,
        company_a.slug,
        batch_id,
        skip_invalid="1",
        **{"flip-5": "customer", "flip-8": "contact", "country:刚果": "CG"},
    )
    found = _customers(app, company_a)
    assert "Ana Pop" in found and found["Agropromtrest ltd"]["contacts"] == ["Roy Brooker"]
    # Kim now belongs to the customer above (mrrizwan), not a customer of its own
    assert "Kim" not in found and found["mrrizwan"]["contacts"] == ["mrrizwan", "Kim"]


def test_problem_rows_download_and_upload_again(app, client_a, company_a):
    client_a.post("/lang", data={"lang": "en"})
    batch_id, body = _preview(client_a, company_a.slug, TRACKER.encode())
    assert "problems.xlsx" in body
    response = client_a.get(f"/t/{company_a.slug}/imports/{batch_id}/problems.xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data)).worksheets[0]
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert rows[0][-1] == "Problem" and rows[0][:3] == ["重要性", "产品", "联系人"]
    assert [r[5] for r in rows[1:]] == ["Bad Co", "Bad Two Co"]
    assert rows[1][-1].startswith("Row 11:") and "Zzz type" in rows[1][-1]
    # fixed in the sheet, the file goes in again; the Problem column is not mapped
    rows[1][4], rows[1][6] = "Trading company", "bad@bad-co.example"
    rows[2][6] = "two@bad-two.example"
    book = Workbook()
    for r in rows:
        book.active.append(r)
    buffer = io.BytesIO()
    book.save(buffer)
    second, body = _preview(client_a, company_a.slug, buffer.getvalue(), "fixed.xlsx")
    assert "Invalid rows" not in body
    _commit(client_a, company_a.slug, second)
    assert {"Bad Co", "Bad Two Co"} <= set(_customers(app, company_a))


def test_a_failed_import_offers_the_problem_rows(app, client_a, company_a):
    client_a.post("/lang", data={"lang": "en"})
    batch_id, _body = _preview(client_a, company_a.slug, TRACKER.encode())
    _commit(client_a, company_a.slug, batch_id)
    page = client_a.get(f"/t/{company_a.slug}/imports/{batch_id}").get_data(as_text=True)
    assert "Nothing was imported." in page and "2 rows cannot be imported." in page
    assert f"/imports/{batch_id}/problems.xlsx" in page


SMALL = (
    HEADER + "重要,LED,王小明,台湾,贸易公司,臺灣貿易有限公司,wang@tw-trade.example,3/4 回覆詢盤\n"
)


SMALL_TRADITIONAL = (
    "重要性,產品,聯絡人,國家,類型,公司,郵箱,跟進記錄\n"
    + "重要,LED,王小明,臺灣,貿易公司,臺灣貿易有限公司,wang@tw-trade.example,3/4 回覆詢盤\n" * 3
)


def test_encodings_are_detected(app, client_a, company_a):
    for encoding in ("utf-8", "utf-8-sig", "gb18030", "big5", "utf-16"):
        data = (SMALL_TRADITIONAL if encoding == "big5" else SMALL * 3).encode(encoding)
        batch_id, body = _preview(client_a, company_a.slug, data, f"{encoding}.csv")
        assert "臺灣貿易有限公司" in body or "Invalid" not in body, encoding
        with app.app_context(), tenant_context(company_a.id):
            batch = db.session.get(ImportBatch, batch_id)
            sheet = importing.sheet_of(batch)
            first = next(sheet.data_rows())[1]
            assert first[5] == "臺灣貿易有限公司" and first[2] == "王小明", encoding
            assert importing.settings_of(batch)["encoding_sure"], encoding


def test_an_unsure_encoding_is_said_and_can_be_changed(app, client_a, company_a):
    client_a.post("/lang", data={"lang": "en"})
    data = "公司,国家\n蓝海,德国\n".encode("gbk")  # a few characters: GBK, Big5, UTF-16 alike
    batch_id = _upload(client_a, company_a.slug, data, "short.csv")
    page = client_a.get(f"/t/{company_a.slug}/imports/{batch_id}/mapping").get_data(as_text=True)
    assert "could not be told for sure" in page and 'name="encoding"' in page
    response = client_a.post(
        f"/t/{company_a.slug}/imports/{batch_id}/encoding", data={"encoding": "gb18030"}
    )
    assert response.status_code == 303
    page = client_a.get(f"/t/{company_a.slug}/imports/{batch_id}/mapping").get_data(as_text=True)
    assert "could not be told for sure" not in page and "蓝海" in page


def test_duplicate_pairs_in_the_file_and_against_the_list(app, client_a, company_a):
    client_a.post("/lang", data={"lang": "en"})
    # an existing customer whose contact's mobile is stored as E.164 (home country CN)
    existing = make_customer(app, company_a, "Old Friend Ltd")
    make_contact(app, company_a, existing, "Li", mobile="+8613812345678")
    sheet = (
        "公司,联系人,国家,邮箱,手机\n"
        "Sunrise Trading,Ann,,ann@sunrise.example,\n"  # 2
        "Sunrise Lighting,Bob,,bob@sunrise.example,\n"  # 3: same domain as row 2
        "Sunrise Trading,Cid,,cid@gmail.com,\n"  # 4: same name as row 2
        "Li's shop,Li,,,138 1234 5678\n"  # 5: a mobile with a blank country
    )
    batch_id, body = _preview(client_a, company_a.slug, sheet.encode())
    pairs = body[body.index('id="pairs"') :]
    assert re.search(r"<td>3</td>.*?same email domain", pairs, re.S)
    assert re.search(r"<td>4</td>.*?same company name", pairs, re.S)
    matches = body[body.index('id="matches"') :]
    assert re.search(r"<td>5</td>.*?Old Friend Ltd.*?same phone number", matches, re.S)
    # row 3 merges into row 2's customer, row 4 is skipped, row 5 merges into the old one
    _commit(
        client_a,
        company_a.slug,
        batch_id,
        **{"choice-3": "update", "choice-4": "skip", "choice-5": "update"},
    )
    found = _customers(app, company_a)
    assert set(found) == {"Sunrise Trading", "Old Friend Ltd"}
    assert found["Sunrise Trading"]["contacts"] == ["Ann", "Bob"]
    assert "Sunrise Lighting" in found["Sunrise Trading"]["remarks"]  # its name is not lost
    assert found["Old Friend Ltd"]["contacts"] == ["Li"]


def test_formula_cells_without_a_cached_value_are_kept_as_text(app, client_a, company_a):
    book = Workbook()
    sheet = book.active
    sheet.append(["公司名称", "备注", "国家"])
    sheet.append(["Formula Co", '=CONCAT(A2," note")', "DE"])  # openpyxl saves no value
    buffer = io.BytesIO()
    book.save(buffer)
    batch_id, _body = _preview(client_a, company_a.slug, buffer.getvalue(), "formulas.xlsx")
    _commit(client_a, company_a.slug, batch_id)
    assert _customers(app, company_a)["Formula Co"]["remarks"] == '=CONCAT(A2," note")'
    # on export the text is a text cell, never a formula
    export = client_a.post(f"/t/{company_a.slug}/imports/export.xlsx", data={})
    cells = [c for row in load_workbook(io.BytesIO(export.data)).worksheets[0] for c in row]
    cell = next(c for c in cells if c.value == '=CONCAT(A2," note")')
    assert cell.data_type == "s"


def test_contact_details_from_the_paper_have_targets(app, client_a, company_a):
    sheet = "公司,联系人,年龄,生日,住址,爱好\nPaper Co,Wang,45,1981-05-03,12 Garden Rd,golf; tea\n"
    batch_id, _body = _preview(client_a, company_a.slug, sheet.encode())
    _commit(client_a, company_a.slug, batch_id)
    with app.app_context(), tenant_context(company_a.id):
        contact = db.session.scalar(select(Contact))
        assert (contact.age, contact.birthday.isoformat(), contact.address, contact.hobbies) == (
            45, "1981-05-03", "12 Garden Rd", "golf; tea",
        )  # fmt: skip
        assert contact.birthday_md == 503
        assert db.session.scalar(select(func.count(Customer.id))) == 1
