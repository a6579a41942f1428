"""The annual public disclosure of complaints (年度投诉情况披露; the People's Bank's Order 2020 No. 5, Art. 36, as
the issue cites it): the year's complaints by business category and by region, how they were handled, beside
the year before; as a self-contained HTML page with its charts, and as a PDF.

Every figure is a count of read-model rows, as the quarterly return's are (reports/returns.py): a complaint
counts in the year it was received, a review (核查) is not a new complaint, a decision counts in the year it was
made. The region is the handling department's `region` in the registry (its own name when it has none)."""
import html
import io
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

from pydantic import BaseModel
from sqlalchemy import select as columns
from sqlalchemy.engine import Engine
from sqlmodel import Session, col

from models.codes import CodeTable
from models.departments import Registry
from models.tables import ComplaintRow
from reports.render import html_table, save_png, use_cjk_font
from sla.periods import month_bounds


class YearFigures(BaseModel):
    year: int
    received: int
    by_business: dict[str, int]       # code -> complaints received
    by_reason: dict[str, int]
    by_region: dict[str, int]         # region name -> complaints received
    decided: int
    decided_within_15d: int
    upheld: int                       # in full or in part
    reviews: int


class Disclosure(BaseModel):
    year: YearFigures
    previous: YearFigures
    code_table: str


def year_bounds(year: int, tz: str) -> tuple[datetime, datetime]:
    return month_bounds(f"{year}-01", tz)[0], month_bounds(f"{year}-12", tz)[1]


def _figures(engine: Engine, year: int, tz: str, registry: Registry) -> YearFigures:
    start, end = year_bounds(year, tz)

    def within(column):
        return (col(column) >= start) & (col(column) < end)

    with Session(engine) as session:
        # Only the columns counted (a large bank's year is a million rows): SQLAlchemy rows, read by name.
        received = session.execute(columns(col(ComplaintRow.code_business), col(ComplaintRow.code_reason),
                                           col(ComplaintRow.department), col(ComplaintRow.review_of))
                                   .where(within(ComplaintRow.received_at))).all()
        decided = session.execute(columns(col(ComplaintRow.received_at), col(ComplaintRow.decided_at),
                                          col(ComplaintRow.finding))
                                  .where(within(ComplaintRow.decided_at), col(ComplaintRow.review_of).is_(None))).all()
    new = [r for r in received if r.review_of is None]
    regions = {d.id: (d.region or d.zh) for d in registry.departments}
    within_15 = sum(1 for r in decided if _aware(r.decided_at) - _aware(r.received_at) <= timedelta(days=15))
    return YearFigures(
        year=year, received=len(new),
        by_business=dict(Counter(r.code_business or "—" for r in new).most_common()),
        by_reason=dict(Counter(r.code_reason or "—" for r in new).most_common()),
        by_region=dict(Counter(regions.get(r.department, r.department) for r in new).most_common()),
        decided=len(decided), decided_within_15d=within_15,
        upheld=sum(1 for r in decided if r.finding in ("upheld", "partly_upheld")),
        reviews=sum(1 for r in received if r.review_of is not None))


def compute(engine: Engine, year: int, tz: str, table: CodeTable, registry: Registry) -> Disclosure:
    return Disclosure(year=_figures(engine, year, tz, registry), previous=_figures(engine, year - 1, tz, registry),
                      code_table=table.version)


def _share(part: int, whole: int) -> str:
    return f"{part / whole:.1%}" if whole else "—"


def _rows(d: Disclosure, key: str, named) -> list[list]:
    now, before = getattr(d.year, key), getattr(d.previous, key)
    return [[named(k), now.get(k, 0), _share(now.get(k, 0), d.year.received), before.get(k, 0)]
            for k in dict.fromkeys([*now, *before])]


def chart(d: Disclosure, table: CodeTable, out: Path) -> bytes:
    """Two panels: complaints by business category and by region, this year beside last."""
    import matplotlib.pyplot as plt

    use_cjk_font()
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.8))
    for ax, key, title, named in ((axes[0], "by_business", "按业务类别", lambda k: table.name("business", k)),
                                  (axes[1], "by_region", "按地区", lambda k: k)):
        keys = list(dict.fromkeys([*getattr(d.year, key), *getattr(d.previous, key)]))[:12]
        xs = range(len(keys))
        ax.bar([x - 0.2 for x in xs], [getattr(d.year, key).get(k, 0) for k in keys], width=0.4,
               label=str(d.year.year), color="#1f6feb")
        ax.bar([x + 0.2 for x in xs], [getattr(d.previous, key).get(k, 0) for k in keys], width=0.4,
               label=str(d.previous.year), color="#9aa7b1")
        ax.set_xticks(list(xs), [named(k) for k in keys], rotation=30, ha="right")
        ax.set_title(title)
        ax.legend()
    fig.suptitle(f"{d.year.year} 年投诉情况（与 {d.previous.year} 年比较）")
    return save_png(fig, out)


def page(d: Disclosure, table: CodeTable, png: bytes, bank: str = "本行") -> str:
    """The public page: Chinese, self-contained (the chart inlined), every figure also in a table."""
    import base64

    y, p = d.year, d.previous
    summary = html_table(["", f"{y.year}", f"{p.year}"], [
        ["受理投诉（件）", y.received, p.received], ["作出处理决定（件）", y.decided, p.decided],
        ["15日内作出决定", _share(y.decided_within_15d, y.decided), _share(p.decided_within_15d, p.decided)],
        ["投诉成立（含部分成立）", _share(y.upheld, y.decided), _share(p.upheld, p.decided)],
        ["申请核查（件）", y.reviews, p.reviews]])
    header = ["", f"{y.year}（件）", "占比", f"{p.year}（件）"]
    sections = [("总体情况", summary),
                ("按业务类别", html_table(header, _rows(d, "by_business", lambda k: table.name("business", k)))),
                ("按投诉原因", html_table(header, _rows(d, "by_reason", lambda k: table.name("reason", k)))),
                ("按地区", html_table(header, _rows(d, "by_region", lambda k: k)))]
    body = "".join(f"<h2>{html.escape(h)}</h2>{c}" for h, c in sections)
    title = f"{bank}{y.year}年度消费投诉情况"
    return (f"<!doctype html><html lang='zh-CN'><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
            "<style>body{font-family:sans-serif;margin:2em auto;max-width:60em;color:#222}table{border-collapse:"
            "collapse;margin:.5em 0}td,th{border:1px solid #ccc;padding:.3em .6em;text-align:right}"
            "th{background:#f4f4f4}</style></head><body>"
            f"<h1>{html.escape(title)}</h1><p>统计口径：{y.year}年受理的投诉（核查申请另计），按《金融消费者投诉统计分类"
            f"及编码 银行业金融机构》（JR/T 0169-2018）分类；编码表 {html.escape(d.code_table)}。</p>"
            f"<img alt='{html.escape(title)}：按业务类别和地区，与上年比较' style='max-width:100%' "
            f"src='data:image/png;base64,{base64.b64encode(png).decode()}'>{body}</body></html>")


def pdf(d: Disclosure, table: CodeTable, png: bytes, bank: str = "本行") -> bytes:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.platypus import Image, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    if "STSong-Light" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    body = ParagraphStyle("body", fontName="STSong-Light", fontSize=10, leading=15, wordWrap="CJK")
    head = ParagraphStyle("head", parent=body, fontSize=12, leading=20, spaceBefore=8)
    title = ParagraphStyle("title", parent=body, fontSize=15, leading=24, alignment=1)
    y, p = d.year, d.previous
    story = [Paragraph(f"{bank}{y.year}年度消费投诉情况", title), Spacer(1, 6),
             Paragraph(f"统计口径：{y.year}年受理的投诉（核查申请另计），按 JR/T 0169-2018 分类；编码表 {d.code_table}。",
                       body), Spacer(1, 6), Image(io.BytesIO(png), width=480, height=192)]
    grid = TableStyle([("FONT", (0, 0), (-1, -1), "STSong-Light", 9), ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
                       ("BACKGROUND", (0, 0), (-1, 0), colors.whitesmoke), ("ALIGN", (1, 0), (-1, -1), "RIGHT")])
    tables = [("总体情况", [["", str(y.year), str(p.year)], ["受理投诉（件）", y.received, p.received],
                        ["作出处理决定（件）", y.decided, p.decided],
                        ["15日内作出决定", _share(y.decided_within_15d, y.decided),
                         _share(p.decided_within_15d, p.decided)],
                        ["投诉成立（含部分成立）", _share(y.upheld, y.decided), _share(p.upheld, p.decided)],
                        ["申请核查（件）", y.reviews, p.reviews]])]
    header = ["", f"{y.year}（件）", "占比", f"{p.year}（件）"]
    tables += [("按业务类别", [header, *_rows(d, "by_business", lambda k: table.name("business", k))]),
               ("按投诉原因", [header, *_rows(d, "by_reason", lambda k: table.name("reason", k))]),
               ("按地区", [header, *_rows(d, "by_region", lambda k: k)])]
    for heading, data in tables:
        story += [Paragraph(heading, head), Table(data, style=grid, hAlign="LEFT")]
    out = io.BytesIO()
    SimpleDocTemplate(out, pagesize=A4, title=f"{y.year} complaints disclosure").build(story)
    return out.getvalue()


def _aware(at: datetime) -> datetime:
    return at if at.tzinfo else at.replace(tzinfo=UTC)
