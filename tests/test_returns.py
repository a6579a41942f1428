"""The quarterly statistics return reconciles with the case records: a quarter of rows written straight to the
suite's database (either engine), the return computed, and every figure of every cell recomputed here from the
rows by a plain filter; the CSV and the XLSX say the same; the API and the workbench serve it."""
import csv
import io
import random
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from sqlmodel import Session, col, select

from models import codes
from models.intake import workflow_id_for
from models.tables import ComplaintRow, RedressRow
from reports import returns
from sla.periods import quarter_bounds

QUARTER, TZ = "2017Q2", "Asia/Shanghai"
START, END = quarter_bounds(QUARTER, TZ)
TABLE = codes.load()


@pytest.mark.parametrize("quarter, start, end", [
    ("2026Q1", "2025-12-31T16:00:00+00:00", "2026-03-31T16:00:00+00:00"),
    ("2026q4", "2026-09-30T16:00:00+00:00", "2026-12-31T16:00:00+00:00"),
])
def test_a_quarter_is_three_months_in_the_bank_s_zone(quarter, start, end):
    assert tuple(t.isoformat() for t in quarter_bounds(quarter, TZ)) == (start, end)


@pytest.mark.parametrize("bad", ["2026Q5", "2026Q0", "26Q1", "2026-10", "Q1"])
def test_a_quarter_that_is_not_one_is_refused(bad):
    with pytest.raises(ValueError, match="quarter must look like 2026Q4"):
        quarter_bounds(bad, TZ)


@pytest.mark.parametrize("days, bucket", [(0, "within_15d"), (15, "within_15d"), (15.0001, "within_30d"),
                                          (30, "within_30d"), (45, "within_60d"), (60, "within_60d"),
                                          (60.01, "later")])
def test_decided_within_is_counted_from_receipt_to_the_decision(days, bucket):
    received = datetime(2026, 1, 1, tzinfo=UTC)
    assert returns._bucket(received, received + timedelta(days=days)) == bucket


def _row(rng: random.Random, prefix: str, received: datetime, **kw) -> ComplaintRow:
    cid = f"RT{uuid.uuid4().int % 10**10:010d}"  # unique in the database; the rest reproducible by the seed
    pick = {dim: rng.choice([c.code for c in TABLE.codes(dim)][:4]) for dim in codes.DIMENSIONS}
    return ComplaintRow(**{
        "id": cid, "workflow_id": workflow_id_for(cid), "channel": "hotline", "external_ref": cid,
        "customer_id": "sealed", "customer_masked": "王*", "tier": "standard", "text": "sealed",
        "received_at": received, "first_responder_id": "E1", "owner_id": "E1",
        "department": f"{prefix}-{rng.choice('ab')}", "stage": "handle", "code_channel": pick["channel"],
        "code_business": pick["business"], "code_reason": pick["reason"], "codes_confirmed": rng.random() < 0.5,
        **kw})


def _seed(engine, registered: bool = False) -> tuple[str, list[ComplaintRow], list[RedressRow]]:
    """A quarter of rows in departments of this call's own (or, `registered`, the registry's: a page names
    them)."""
    rng = random.Random(20170401)
    prefix = f"rt{uuid.uuid4().hex[:5]}0"  # a digit in it: never read as a word

    def row(received: datetime, **kw) -> ComplaintRow:
        where = rng.choice(["loans", "operations"]) if registered else f"{prefix}-{rng.choice('ab')}"
        return _row(rng, prefix, received, **{"department": where, **kw})

    rows: list[ComplaintRow] = []
    span = (END - START).total_seconds()
    for _ in range(60):
        received = START + timedelta(seconds=rng.uniform(0, span))
        decided = received + timedelta(days=rng.choice([1, 14.9, 15, 16, 29, 31, 59, 61, 90]))
        decided_kw = {"decided_at": decided, "finding": rng.choice(["upheld", "partly_upheld", "not_upheld"]),
                      "relief": "monetary", "codes_confirmed": True} if rng.random() < 0.7 else {}
        rows.append(row(received, **decided_kw))
    # Received before the quarter, decided in it; received on its last instant; received at its end (not in it).
    rows.append(row(START - timedelta(days=20), decided_at=START + timedelta(days=5), finding="upheld"))
    rows.append(row(END - timedelta(microseconds=1)))
    rows.append(row(END))
    rows.append(row(START - timedelta(microseconds=1)))
    # An uncoded complaint (from before the codes) still counts, in a cell of its own.
    rows.append(row(START + timedelta(days=3), code_channel=None, code_business=None, code_reason=None))
    # Reviews of some decided complaints, received in the quarter, with their outcomes.
    for original, outcome in zip([r for r in rows if r.decided_at][:6], ["upheld", "revised", None, "revised",
                                                                         "upheld", None], strict=True):
        rows.append(row(min(original.decided_at + timedelta(days=2), END - timedelta(hours=1)),
                         review_of=original.id, review_outcome=outcome,
                         department="head-office" if registered else f"{prefix}-hq"))
    lines = []
    for n, r in enumerate([r for r in rows if r.decided_at and r.review_of is None][:12]):
        assert r.decided_at is not None
        lines.append(RedressRow(
            id=f"{r.id}-R1", complaint_id=r.id, department=r.department, amount=Decimal(f"{100 * (n + 1)}.50"),
            currency="USD" if n == 3 else "CNY", purpose="退费", decided_at=r.decided_at, decided_by="E1",
            status="paid" if n % 2 else "approved", paid_at=r.decided_at + timedelta(days=1) if n % 2 else None))
    ids = [r.id for r in rows]
    with Session(engine) as session:
        session.add_all(rows)
        session.add_all(lines)
        session.commit()
    # As the database keeps them (SQLite returns its times without their zone): what the return reads too.
    with Session(engine) as session:
        rows = list(session.exec(select(ComplaintRow).where(col(ComplaintRow.id).in_(ids))).all())
        lines = list(session.exec(select(RedressRow).where(col(RedressRow.complaint_id).in_(ids))
                                  .order_by(col(RedressRow.decided_at))).all())
    return prefix, rows, lines


def _utc(at: datetime) -> datetime:
    return at if at.tzinfo else at.replace(tzinfo=UTC)


def _within(at: datetime | None) -> bool:
    return at is not None and START <= _utc(at) < END


def _cell_of(r: ComplaintRow) -> tuple:
    return (r.code_business or "—", r.code_reason or "—", r.code_channel or "—", r.department)


def test_every_figure_of_every_cell_reconciles_with_the_rows(engine):
    prefix, rows, lines = _seed(engine)
    got = returns.compute(engine, QUARTER, TZ, TABLE)
    mine = {(c.business, c.reason, c.channel, c.department): c for c in got.cells if c.department.startswith(prefix)}
    by_id = {r.id: r for r in rows}
    expected: dict[tuple, dict] = {}

    def add(key, figure, amount=1):
        expected.setdefault(key, dict.fromkeys(returns.FIGURES, 0))[figure] += amount

    for r in rows:  # the plain recomputation, one rule at a time
        if _within(r.received_at) and r.review_of is None:
            add(_cell_of(r), "received")
            if not r.codes_confirmed:
                add(_cell_of(r), "unconfirmed")
        if _within(r.received_at) and r.review_of is not None:
            key = _cell_of(by_id[r.review_of])
            add(key, "reviews")
            add(key, {"upheld": "reviews_upheld", "revised": "reviews_revised"}.get(r.review_outcome or "",
                                                                                    "reviews_pending"))
        if _within(r.decided_at) and r.review_of is None:
            add(_cell_of(r), "decided")
            add(_cell_of(r), r.finding)
            days = (_utc(r.decided_at) - _utc(r.received_at)).total_seconds() / 86400
            add(_cell_of(r), "within_15d" if days <= 15 else "within_30d" if days <= 30 else
                "within_60d" if days <= 60 else "later")
    for line in lines:
        if _within(line.decided_at):
            add(_cell_of(by_id[line.complaint_id]), "redress_lines")
            if line.currency == "CNY":
                add(_cell_of(by_id[line.complaint_id]), "redress_cny", line.amount)
    assert set(mine) == set(expected)
    for key, figures in expected.items():
        assert {f: getattr(mine[key], f) for f in returns.FIGURES} == figures, key
    # The totals are the cells' sums; nothing of another quarter slipped in.
    assert got.total.received == sum(c.received for c in got.cells) >= \
        sum(1 for r in rows if _within(r.received_at) and r.review_of is None)
    assert got.upheld_share == pytest.approx((got.total.upheld + got.total.partly_upheld) / got.total.decided)
    assert got.redress["USD"].decided_count >= 1 and got.redress["CNY"].paid_count >= \
        sum(1 for line in lines if line.currency == "CNY" and _within(line.paid_at)) > 0
    assert any(c.business == "—" for c in mine.values())  # the uncoded one, counted

    # The CSV and the XLSX carry the same figures, the total last.
    parsed = list(csv.reader(io.StringIO(returns.as_csv(got, TABLE).lstrip("\ufeff"))))
    assert parsed[0][0] == "业务类别 business" and parsed[-1][0] == "合计 total"
    assert [int(v) for v in parsed[-1][4:-1]] == [getattr(got.total, f) for f in returns.FIGURES[:-1]]
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(returns.as_xlsx(got, TABLE)))
    assert book.sheetnames == ["汇总 Summary", "明细 Cells", "赔付 Redress"]
    summary = {row[0]: row[1] for row in book["汇总 Summary"].iter_rows(values_only=True)}
    assert summary["受理 received"] == got.total.received and summary["作出决定 decided"] == got.total.decided
    sheet = list(book["明细 Cells"].iter_rows(values_only=True))
    assert len(sheet) == len(got.cells) + 2 and sheet[-1][4] == got.total.received
    assert {row[0]: row[1] for row in book["赔付 Redress"].iter_rows(min_row=2, values_only=True)}["USD"] == \
        float(got.redress["USD"].decided)


async def test_the_return_through_the_api_and_on_the_workbench(api, engine):
    prefix, rows, _ = _seed(engine)
    async with api.http() as h:
        sup = await api.as_("S001")
        r = await h.get(f"/v1/returns/quarterly/{QUARTER}", headers=sup)
        assert r.status_code == 200 and r.json()["total"]["received"] >= 60
        r = await h.get(f"/v1/returns/quarterly/{QUARTER}?format=xlsx", headers=sup)
        assert r.status_code == 200 and r.content[:2] == b"PK" and "spreadsheetml" in r.headers["content-type"]
        r = await h.get(f"/v1/returns/quarterly/{QUARTER}?format=csv", headers=sup)
        assert r.status_code == 200 and prefix in r.text
        r = await h.get("/v1/returns/quarterly/2017Q5", headers=sup)
        assert r.status_code == 422
        r = await h.get(f"/v1/returns/quarterly/{QUARTER}", headers=await api.as_("E207"))
        assert r.status_code == 403


def test_the_annual_disclosure_counts_each_year_beside_the_one_before(engine, tmp_path):
    """Two years of rows: each year's figures recomputed here; the page and the PDF made from them."""
    from models.departments import load
    from reports import disclosure

    rng = random.Random(2015)
    prefix = f"ds{uuid.uuid4().hex[:5]}0"
    rows = []
    for year, n in ((2015, 14), (2016, 9)):
        start, end = disclosure.year_bounds(year, TZ)
        for _ in range(n):
            at = start + timedelta(seconds=rng.uniform(0, (end - start).total_seconds() - 86400 * 40))
            decided = {"decided_at": at + timedelta(days=rng.choice([3, 20])),
                       "finding": rng.choice(["upheld", "not_upheld"])} if rng.random() < 0.6 else {}
            rows.append(_row(rng, prefix, at, **decided))
    rows.append(_row(rng, prefix, disclosure.year_bounds(2016, TZ)[0] + timedelta(days=2),
                     review_of=rows[0].id, review_outcome="upheld"))
    ids = [r.id for r in rows]
    with Session(engine) as session:
        session.add_all(rows)
        session.commit()
    with Session(engine) as session:
        rows = list(session.exec(select(ComplaintRow).where(col(ComplaintRow.id).in_(ids))).all())
    got = disclosure.compute(engine, 2016, TZ, TABLE, load(None))
    for figures in (got.year, got.previous):
        start, end = disclosure.year_bounds(figures.year, TZ)

        def within(at, start=start, end=end):
            return at is not None and start <= _utc(at) < end

        mine = [r for r in rows if within(r.received_at) and r.review_of is None]
        decided = [r for r in rows if within(r.decided_at) and r.review_of is None]
        assert figures.received >= len(mine) and figures.reviews >= (figures.year == 2016)
        for code in {r.code_business for r in mine}:
            assert figures.by_business[code] >= sum(1 for r in mine if r.code_business == code)
        assert figures.decided >= len(decided) and figures.decided_within_15d >= \
            sum(1 for r in decided if _utc(r.decided_at) - _utc(r.received_at) <= timedelta(days=15))
        assert sum(figures.by_business.values()) == sum(figures.by_region.values()) == figures.received
        for department in (f"{prefix}-a", f"{prefix}-b"):  # this test's own: exact (an unregistered one: its id)
            assert figures.by_region.get(department, 0) == sum(1 for r in mine if r.department == department)
    png = disclosure.chart(got, TABLE, tmp_path / "chart.png")
    page = disclosure.page(got, TABLE, png)
    assert "2016年度消费投诉情况" in page and "按业务类别" in page and "data:image/png;base64," in page
    assert f"<td>{got.year.received}</td>" in page and f"<td>{got.previous.received}</td>" in page
    assert disclosure.pdf(got, TABLE, png)[:5] == b"%PDF-"
