"""Sheets built in tests for the resident importer."""

from __future__ import annotations

import io

from openpyxl import Workbook

COMMUNITY = "341702001001"
HEADERS = ["姓名", "身份证号", "性别", "出生日期", "联系电话", "民族", "现住址"]


def xlsx_bytes(rows: list[list], *, title_rows: int = 0) -> bytes:
    """An .xlsx whose first sheet holds ``rows`` (the first being the header) below merged title rows."""
    workbook = Workbook()
    sheet = workbook.active
    for n in range(title_rows):
        sheet.append(["幸福社区人员花名册" if n == 0 else None])
        sheet.merge_cells(start_row=n + 1, start_column=1, end_row=n + 1, end_column=len(rows[0]))
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def csv_bytes(rows: list[list], encoding: str = "utf-8-sig") -> bytes:
    return "\r\n".join(",".join("" if v is None else str(v) for v in row) for row in rows).encode(encoding)


def xls_bytes(rows: list[list]) -> bytes:
    """A legacy .xls (BIFF8, written by xlwt) whose first sheet holds ``rows``; dates get a date format."""
    import datetime

    import xlwt

    workbook = xlwt.Workbook(encoding="utf-8")
    sheet = workbook.add_sheet("人员")
    date_style = xlwt.easyxf(num_format_str="YYYY-MM-DD")
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if isinstance(value, datetime.date):
                sheet.write(r, c, value, date_style)
            elif value is not None:
                sheet.write(r, c, value)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


LEDGER_HEADERS = ["姓名", "身份证号", "性别", "出生日期", "联系电话", "民族", "户籍类型", "居住状态", "政治面貌",
                  "文化程度", "就业状况", "现住址", "户号", "与户主关系"]


def ledger_rows(n: int, *, seed: int = 2026) -> list[list]:
    """``n`` valid, distinct resident rows (households, relations and all) drawn as the demo data is.

    Uses the demo generator's own household composition and identifier allocators, so the rows
    look like a real community ledger: families with one head each, valid unique ID numbers whose
    gender and birth date agree with the other columns, unique mobile numbers.
    """
    import datetime
    import random

    from gongzhi.registry import demo
    from gongzhi.registry.choices import (
        Education,
        Employment,
        Ethnicity,
        Gender,
        PoliticalStatus,
        Registration,
        RelationToHead,
        ResidenceStatus,
    )

    rng = random.Random(seed)
    counters = demo._Counters(pks={})
    today = datetime.date.today()
    labels = {choices: {value: str(label) for value, label in choices.choices}
              for choices in (Education, Employment, Ethnicity, Gender, PoliticalStatus, RelationToHead,
                              ResidenceStatus)}
    rows: list[list] = []
    household = 0
    while len(rows) < n:
        household += 1
        renter = rng.random() < demo.RENTED_SHARE_OF_OCCUPIED
        members = demo._compose(rng, renter=renter).members[:n - len(rows)]
        road = rng.choice(demo.ROADS)
        address = (f"{road}{rng.randint(1, 399)}号{rng.randint(1, 30)}栋{rng.randint(1, 3)}单元"
                   f"{rng.randint(1, 18)}0{rng.randint(1, 2)}室")
        for member in members:
            birth = demo._birth_date(rng, member.age, today)
            local = member.region == demo.LOCAL_REGION and not member.lodging
            residence = (ResidenceStatus.REGISTERED_ABSENT if member.absent else ResidenceStatus.LODGING
                         if member.lodging else ResidenceStatus.PERMANENT if local or not renter
                         else ResidenceStatus.FLOATING)
            rows.append([
                member.surname + member.given,
                demo._id_number(counters, member.region, birth, member.gender),
                labels[Gender][member.gender],
                birth.isoformat(),
                demo._phone(counters) if member.age >= 16 else "",
                labels[Ethnicity][Ethnicity.HAN],
                "户籍" if local else "非户籍",
                labels[ResidenceStatus][residence],
                labels[PoliticalStatus][demo._political_status(rng, member.age)],
                labels[Education][demo._education(rng, member.age)],
                labels[Employment].get(demo._employment(rng, member.age), ""),
                address,
                f"H{seed % 1000:03d}{household:07d}",
                labels[RelationToHead][member.relation],
            ])
    return rows


def ledger_xlsx(n: int, *, seed: int = 2026) -> bytes:
    """``ledger_rows(n)`` under ``LEDGER_HEADERS`` as an .xlsx (streamed: fast for 100,000 rows)."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("人员信息")
    sheet.append(LEDGER_HEADERS)
    for row in ledger_rows(n, seed=seed):
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
