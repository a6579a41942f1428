"""The quarterly statistics return to the regulator: complaints counted by the regulator's codes (JR/T
0169-2018: business category × reason × channel) and the branch that handles them, with how fast they were
decided, what was found, the reviews asked for and their outcome, and the money given.

One row per cell; every figure is a count (or a sum) of read-model rows, so the return reconciles with the
case records line by line (tests/test_returns.py recomputes each figure from the rows):
- `received`: complaints received in the quarter (a review is not a new complaint: counted apart, below);
  `unconfirmed` of them still carry the analyse stage's proposed codes (no decision has confirmed them yet);
- `decided`: complaints whose decision (the newest) fell in the quarter, by the time from receipt to it:
  within 15, 30 and 60 days (Order No. 3's limits: 15, extended 30, further 30) and later; with its finding;
- `reviews_*`: reviews (核查) received in the quarter, counted in the cell of the complaint they review, with
  their outcome (the first decision upheld, revised, or still pending);
- `redress_*`: ledger lines decided in the quarter, in the cell of their complaint, by currency."""
import csv
import io
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from pydantic import BaseModel
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from complaints.ledger import Totals, lines_between, totals
from models.codes import CodeTable
from models.tables import ComplaintRow
from models.text import spreadsheet_safe
from sla.periods import quarter_bounds

LIMITS = (("within_15d", 15), ("within_30d", 30), ("within_60d", 60))
UNCODED = "—"  # a complaint from before the codes (or one never analysed): counted, in a cell of its own
FIGURES = ["received", "unconfirmed", "decided", "within_15d", "within_30d", "within_60d", "later", "upheld",
           "partly_upheld", "not_upheld", "reviews", "reviews_upheld", "reviews_revised", "reviews_pending",
           "redress_lines", "redress_cny"]
KEYS = ["business", "reason", "channel", "department"]


class Cell(BaseModel):
    business: str
    reason: str
    channel: str
    department: str
    received: int = 0
    unconfirmed: int = 0
    decided: int = 0
    within_15d: int = 0
    within_30d: int = 0      # after 15 days, within 30
    within_60d: int = 0      # after 30, within 60
    later: int = 0
    upheld: int = 0
    partly_upheld: int = 0
    not_upheld: int = 0
    reviews: int = 0
    reviews_upheld: int = 0
    reviews_revised: int = 0
    reviews_pending: int = 0
    redress_lines: int = 0
    redress_cny: Decimal = Decimal("0")


class QuarterReturn(BaseModel):
    quarter: str
    start: datetime
    end: datetime
    code_table: str
    cells: list[Cell]
    total: Cell
    upheld_share: float | None       # (upheld + partly upheld) / decided
    redress: dict[str, Totals]       # per currency: decided, paid, reversed in the quarter


def _key(row: ComplaintRow) -> tuple[str, str, str, str]:
    return (row.code_business or UNCODED, row.code_reason or UNCODED, row.code_channel or UNCODED, row.department)


def _bucket(received: datetime, decided: datetime) -> str:
    elapsed = _aware(decided) - _aware(received)
    return next((name for name, days in LIMITS if elapsed <= timedelta(days=days)), "later")


def compute(engine: Engine, quarter: str, tz: str, table: CodeTable) -> QuarterReturn:
    start, end = quarter_bounds(quarter, tz)
    cells: dict[tuple[str, str, str, str], Cell] = {}

    def cell(key: tuple[str, str, str, str]) -> Cell:
        return cells.setdefault(key, Cell(business=key[0], reason=key[1], channel=key[2], department=key[3]))

    def within(column):
        return (col(column) >= start) & (col(column) < end)

    with Session(engine) as session:
        received = session.exec(select(ComplaintRow).where(within(ComplaintRow.received_at))).all()
        decided = session.exec(select(ComplaintRow).where(within(ComplaintRow.decided_at),
                                                          col(ComplaintRow.review_of).is_(None))).all()
        reviewed_ids = {r.review_of for r in received if r.review_of}
        originals = {r.id: r for r in session.exec(
            select(ComplaintRow).where(col(ComplaintRow.id).in_(reviewed_ids))).all()} if reviewed_ids else {}
    lines = lines_between(engine, start, end)
    with Session(engine) as session:
        ids = {line.complaint_id for line in lines}
        owners = {r.id: r for r in session.exec(select(ComplaintRow).where(col(ComplaintRow.id).in_(ids))).all()} \
            if ids else {}
    for r in received:
        if r.review_of is None:
            c = cell(_key(r))
            c.received += 1
            c.unconfirmed += not r.codes_confirmed
        else:
            c = cell(_key(originals[r.review_of]) if r.review_of in originals else _key(r))
            c.reviews += 1
            outcome = f"reviews_{r.review_outcome}" if r.review_outcome in ("upheld", "revised") else "reviews_pending"
            setattr(c, outcome, getattr(c, outcome) + 1)
    for r in decided:
        c = cell(_key(r))
        c.decided += 1
        bucket = _bucket(r.received_at, r.decided_at)  # type: ignore[arg-type]  # selected by decided_at
        setattr(c, bucket, getattr(c, bucket) + 1)
        if r.finding in ("upheld", "partly_upheld", "not_upheld"):
            setattr(c, r.finding, getattr(c, r.finding) + 1)
    for line in lines:
        if not start <= _aware(line.decided_at) < end:
            continue
        owner = owners.get(line.complaint_id)
        c = cell(_key(owner) if owner else (UNCODED, UNCODED, UNCODED, line.department))
        c.redress_lines += 1
        if line.currency == "CNY":
            c.redress_cny += line.amount
    ordered = sorted(cells.values(), key=lambda c: (c.business, c.reason, c.channel, c.department))
    total = Cell(business="", reason="", channel="", department="")
    for c in ordered:
        for figure in FIGURES:
            setattr(total, figure, getattr(total, figure) + getattr(c, figure))
    share = (total.upheld + total.partly_upheld) / total.decided if total.decided else None
    return QuarterReturn(quarter=quarter.upper(), start=start, end=end, code_table=table.version, cells=ordered,
                         total=total, upheld_share=share, redress=totals(lines, start, end))


# Column headings: Chinese first, the field's name after it (what a script reads).
HEADINGS = {
    "business": "业务类别", "reason": "投诉原因", "channel": "办理渠道", "department": "承办机构",
    "received": "受理", "unconfirmed": "编码待确认", "decided": "作出决定", "within_15d": "15日内",
    "within_30d": "16-30日", "within_60d": "31-60日", "later": "60日以上", "upheld": "成立",
    "partly_upheld": "部分成立", "not_upheld": "不成立", "reviews": "核查申请", "reviews_upheld": "核查维持",
    "reviews_revised": "核查变更", "reviews_pending": "核查未结", "redress_lines": "赔付笔数",
    "redress_cny": "赔付金额(CNY)",
}


def rows_of(r: QuarterReturn, table: CodeTable) -> list[list[str]]:
    """The cells as table rows: each code with its name, then the figures; the total last."""
    def named(dim: str, code: str) -> str:
        return code if code in ("", UNCODED) else f"{code} {table.name(dim, code)}"

    out = []
    for c in [*r.cells, r.total]:
        labels = [named("business", c.business), named("reason", c.reason), named("channel", c.channel),
                  c.department] if c is not r.total else ["合计 total", "", "", ""]
        out.append([*labels, *(str(getattr(c, f)) for f in FIGURES)])
    return out


def header() -> list[str]:
    return [f"{HEADINGS[k]} {k}" for k in (*KEYS, *FIGURES)]


def as_csv(r: QuarterReturn, table: CodeTable) -> str:
    """UTF-8 with a byte-order mark (the spreadsheet regulators open it in shows the Chinese right); every cell
    safe to open in a spreadsheet."""
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(header())
    for row in rows_of(r, table):
        writer.writerow([spreadsheet_safe(v) for v in row])
    return "\ufeff" + buf.getvalue()


def as_xlsx(r: QuarterReturn, table: CodeTable) -> bytes:
    """Three sheets: the summary, the cells, the redress by currency."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    summary = book.active
    summary.title = "汇总 Summary"
    bold = Font(bold=True)
    t = r.total
    for label, value in (("季度 quarter", r.quarter), ("编码表 code table", r.code_table),
                         ("受理 received", t.received), ("编码待确认 unconfirmed", t.unconfirmed),
                         ("作出决定 decided", t.decided), ("15日内 within 15 days", t.within_15d),
                         ("16-30日 within 30 days", t.within_30d), ("31-60日 within 60 days", t.within_60d),
                         ("60日以上 later", t.later),
                         ("成立率 upheld share", "" if r.upheld_share is None else round(r.upheld_share, 4)),
                         ("核查申请 reviews", t.reviews), ("核查变更 reviews revised", t.reviews_revised),
                         ("赔付笔数 redress lines", t.redress_lines), ("赔付金额 redress CNY", float(t.redress_cny))):
        summary.append([label, value])
    for row in summary.iter_rows(min_col=1, max_col=1):
        row[0].font = bold
    cells = book.create_sheet("明细 Cells")
    cells.append(header())
    for cell in cells[1]:
        cell.font = bold
    for values in rows_of(r, table):
        cells.append([_number(v) for v in values])
    money = book.create_sheet("赔付 Redress")
    money.append(["币种 currency", "决定金额 decided", "笔数", "已支付 paid", "笔数", "已冲回 reversed", "笔数"])
    for currency, tot in r.redress.items():
        money.append([currency, float(tot.decided), tot.decided_count, float(tot.paid), tot.paid_count,
                      float(tot.reversed), tot.reversed_count])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _number(value: str) -> object:
    """A figure as a number in the sheet, a label as text (never a formula: labels are spreadsheet-safe)."""
    try:
        return int(value)
    except ValueError:
        try:
            return float(Decimal(value)) if value and value[0].isdigit() else spreadsheet_safe(value)
        except ArithmeticError:
            return spreadsheet_safe(value)


def _aware(at: datetime) -> datetime:
    return at if at.tzinfo else at.replace(tzinfo=UTC)

