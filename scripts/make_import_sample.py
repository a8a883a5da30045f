"""Write a realistic customer sheet to try the import with (and for scripts/bench_import.py).

    .venv/bin/python scripts/make_import_sample.py 200 /tmp/customers.xlsx   # or .csv / .xls

Like the sheets teams keep: a title above the header row, Chinese headers, importance as
一般/重要/非常重要, countries in Chinese or English, a contact per row (some companies on
several rows), and a running log "3/11 send quotation; 3/10: reply RFQ".
"""

from __future__ import annotations

import csv
import io
import random
import sys
from pathlib import Path

HEADERS = ["重要性", "产品", "联系人", "国家", "类型", "公司", "邮箱", "电话", "跟进记录"]
COUNTRIES = ["美国", "德国", "United Kingdom", "法国", "Italy", "西班牙", "巴西", "印度", "日本",
             "Australia", "加拿大", "墨西哥", "波兰", "土耳其", "UAE", "南非", "NL", "KR"]  # fmt: skip  # noqa: E501
IMPORTANCE = ["一般", "重要", "非常重要", "Normal", "Important"]
TYPES = ["Trading company", "Buying office", "Personal", "贸易公司", "工厂"]
PRODUCTS = ["LCD projector", "LED panel", "USB charger", "Bluetooth speaker", "power bank",
            "smart watch", "HDMI cable", "solar lamp"]  # fmt: skip
FIRST = ["John", "Anna", "Lukas", "Maria", "Pierre", "Yuki", "Raj", "Olivia", "Carlos", "Emma"]
LAST = ["Smith", "Müller", "Rossi", "Dubois", "Tanaka", "Patel", "Brown", "Garcia", "Nowak"]
WORDS = ["Global", "Prime", "Star", "Blue", "North", "Euro", "Pacific", "Bright", "Smart"]
SUFFIX = ["Trading Co., Ltd.", "GmbH", "Inc.", "S.r.l.", "Imports LLC", "SARL", "Pty Ltd"]
ACTIONS = ["send quotation about {p}", "reply RFQ", "Reply RFQ", "sent catalogue",
           "call about {p} sample", "email price list", "customer asked MOQ of {p}"]  # fmt: skip


def sample_rows(n: int, seed: int = 8) -> list[list[object]]:
    """Title, blank line, header, then n data rows (about 1 in 10 a second contact)."""
    rnd = random.Random(seed)
    rows: list[list[object]] = [["国外客户跟踪表 2026"], [], HEADERS]
    company = ""
    for i in range(n):
        if not company or rnd.random() > 0.1:
            company = f"{rnd.choice(WORDS)} {rnd.choice(WORDS)} {i} {rnd.choice(SUFFIX)}"
        first, last = rnd.choice(FIRST), rnd.choice(LAST)
        product = rnd.choice(PRODUCTS)
        domain = f"c{i}-{rnd.randint(100, 999)}.example.com"
        entries = []
        for _ in range(rnd.randint(0, 4)):
            month, day = rnd.randint(1, 10), rnd.randint(1, 28)
            sep = rnd.choice([" ", ": ", ":"])
            entries.append(f"{month}/{day}{sep}{rnd.choice(ACTIONS).format(p=product)}")
        rows.append(
            [
                rnd.choice(IMPORTANCE),
                product,
                f"{first} {last}",
                rnd.choice(COUNTRIES),
                rnd.choice(TYPES),
                company,
                f"{first.lower()}.{i}@{domain}",
                f"+1 202 555 {rnd.randint(1000, 1999)}" if rnd.random() < 0.3 else None,
                "; ".join(entries) or None,
            ]
        )
    return rows


def to_xlsx(rows: list[list[object]]) -> bytes:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("客户")
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def to_xls(rows: list[list[object]]) -> bytes:
    import xlwt

    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("客户")
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if value is not None:
                sheet.write(r, c, value)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def to_csv(rows: list[list[object]], encoding: str = "utf-8-sig") -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer).writerows([["" if v is None else v for v in row] for row in rows])
    return buffer.getvalue().encode(encoding)


def write(path: Path, rows: list[list[object]]) -> None:
    suffix = path.suffix.lower()
    data = {".xlsx": to_xlsx, ".xls": to_xls}.get(suffix, to_csv)(rows)
    path.write_bytes(data)


if __name__ == "__main__":
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    target = Path(sys.argv[2] if len(sys.argv) > 2 else "customers-sample.xlsx")
    write(target, sample_rows(count))
    print(f"wrote {count} rows to {target}")
