"""The report back to the regulator on a complaint it forwarded, from the record (Order No. 5, Art. 44): the
basic facts, the dispute's focus, the investigation and its evidence, the basis, the communication with the
customer, any extension and the customer's satisfaction. `build` makes the document (JSON) from the case's
state and the read model; `pdf` sets it for printing, Chinese first, with a font every PDF reader has
(Adobe's STSong, named, not embedded: nothing to ship or download)."""
from datetime import datetime
from io import BytesIO
from typing import Any
from zoneinfo import ZoneInfo

from models.state import ComplaintState
from models.tables import ComplaintRow, Notification
from models.vocabulary import name

SECTIONS = (  # (key, Chinese heading, English heading), in the order the regulator reads them
    ("basic_facts", "一、基本情况", "Basic facts"), ("focus", "二、争议焦点", "The dispute's focus"),
    ("investigation", "三、调查核实过程及证据", "Investigation and evidence"), ("basis", "四、处理依据及结果", "Basis and decision"),
    ("communication", "五、与客户沟通情况", "Communication with the customer"),
    ("extensions", "六、延期情况", "Extensions"), ("satisfaction", "七、客户满意度", "The customer's satisfaction"),
)


def _at(dt: datetime | None, tz: str) -> str:
    return dt.astimezone(ZoneInfo(tz)).strftime("%Y-%m-%d %H:%M") if dt else ""


def build(s: ComplaintState, row: ComplaintRow, text: str, sent: list[Notification], focus: str,
          now: datetime) -> dict[str, Any]:
    """The report as a document; every figure and date is the record's."""
    tz, c, d = s.timezone, s.classification, s.decision
    decision_clock = s.clock("decision")
    last = s.feedback[-1] if s.feedback else None
    return {
        "reference": row.referral_ref, "regulator_due": row.referral_due.isoformat() if row.referral_due else None,
        "complaint_id": s.complaint_id, "generated_at": _at(now, tz), "timezone": tz,
        "basic_facts": {
            "received_at": _at(s.received_at, tz), "customer": s.customer_masked,
            "business_type": name("business_type", c.business_type) if c else "",
            "problem_nature": name("problem_nature", c.problem_nature) if c else "",
            "complaint": text, "stage": name("stage", s.stage), "closed_at": _at(s.closed_at, tz),
            "outcome": name("outcome", s.outcome) if s.outcome else ""},
        "focus": focus,
        "investigation": {
            "work_orders": [{"id": w.id, "department": w.department, "question": w.question, "answer": w.answer or "",
                             "status": name("work_order_status", w.status)} for w in s.work_orders],
            "appraisals": [{"what": a.what, "by": a.by, "started_at": _at(a.started_at, tz),
                            "ended_at": _at(a.ended_at, tz), "result": a.result} for a in s.appraisals],
            "facts_verified": d.facts if d else ""},
        "basis": {"finding": name("finding", d.finding) if d else "", "relief": name("relief", d.relief) if d else "",
                  "basis": d.basis if d else "", "reasons": d.reasons if d else "",
                  "decided_at": _at(d.at, tz) if d else "", "decided_by": d.by if d else ""},
        "communication": [{"at": _at(n.created_at, tz), "what": name("template", n.template), "channel": n.channel,
                           "delivered": n.sent_at is not None} for n in sent],
        "extensions": {"count": decision_clock.extensions if decision_clock else 0,
                       "decision_due": _at(decision_clock.deadline(), tz) if decision_clock else ""},
        "satisfaction": {"answered": last is not None, "satisfied": last.satisfied if last else None,
                         "csat": last.csat if last else None, "comment": last.comment if last else ""},
    }


def _lines(key: str, value: Any) -> list[str]:
    """A section's content as lines of text, Chinese labels first."""
    if key == "focus":
        return [str(value)]
    if key == "basic_facts":
        v = value
        return [f"受理时间：{v['received_at']}　客户：{v['customer']}", f"业务类型：{v['business_type']}　问题性质：{v['problem_nature']}",
                f"投诉内容：{v['complaint']}", f"当前阶段：{v['stage']}　结案：{v['closed_at']} {v['outcome']}"]
    if key == "investigation":
        out = [f"工单 {w['id']}（{w['department']}，{w['status']}）：{w['question']} —— {w['answer']}" for w in value["work_orders"]]
        out += [f"外部鉴定：{a['by']}进行{a['what']}（{a['started_at']} 至 {a['ended_at']}）：{a['result']}"
                for a in value["appraisals"]]
        return [*out, f"核实情况：{value['facts_verified']}"]
    if key == "basis":
        return [f"处理结果：{value['finding']}，{value['relief']}", f"处理依据：{value['basis']}",
                f"处理理由：{value['reasons']}", f"作出决定：{value['decided_at']}（{value['decided_by']}）"]
    if key == "communication":
        return [f"{m['at']} {m['what']}（{m['channel']}，{'已送达' if m['delivered'] else '未确认送达'}）" for m in value] or ["无"]
    if key == "extensions":
        return [f"延期 {value['count']} 次；处理决定时限 {value['decision_due']}"]
    v = value
    if not v["answered"]:
        return ["客户未评价"]
    return [f"{'满意' if v['satisfied'] else '不满意'}，评分 {v['csat']}" + (f"：{v['comment']}" if v["comment"] else "")]


def pdf(report: dict[str, Any]) -> bytes:
    from xml.sax.saxutils import escape

    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer

    if "STSong-Light" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    body = ParagraphStyle("body", fontName="STSong-Light", fontSize=10.5, leading=16, wordWrap="CJK")
    head = ParagraphStyle("head", parent=body, fontSize=12, leading=20, spaceBefore=6)
    title = ParagraphStyle("title", parent=body, fontSize=15, leading=24, alignment=1)
    story = [Paragraph("监管转办投诉处理情况报告", title),
             Paragraph(escape(f"转办编号：{report['reference']}　要求报告日期：{report['regulator_due'] or '—'}　"
                              f"投诉编号：{report['complaint_id']}　生成时间：{report['generated_at']}"), body),
             Spacer(1, 8)]
    for key, zh, _en in SECTIONS:
        story.append(Paragraph(zh, head))
        story += [Paragraph(escape(line), body) for line in _lines(key, report[key])]
    out = BytesIO()
    SimpleDocTemplate(out, pagesize=A4, title=f"Referral report {report['complaint_id']}",
                      author="complaints").build(story)
    return out.getvalue()
