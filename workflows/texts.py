"""What the complaint tells customers and staff, Chinese first. Kept apart from the lifecycle so wording
changes never touch the workflow's logic (they do change new history payloads, not commands)."""
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from models.vocabulary import tables

# Read once, when the workflow's modules are imported (never inside a workflow task).
_NAMES = {kind: tables()[kind] for kind in ("finding", "relief", "review")}

CUSTOMER = {
    "acknowledgement": "您的投诉已受理，编号 {cid}。We have received your complaint; your reference is {cid}.",
    "feedback_invitation": "请评价我们对投诉 {cid} 的处理（满意/不满意，1-5分）。"
                           "Were you satisfied with how we handled {cid}? (1-5)",
    "information_request": "为处理投诉 {cid}，请补充：{what} / To handle {cid} we need: {what}",
    "apology": "非常抱歉未能让您满意，投诉 {cid} 已由部门主管督办，我们将于 {due} 前再次答复您。"
               "We are sorry; a supervisor now oversees {cid} and we will answer again by {due}.",
    "withdrawn": "投诉 {cid} 已按您的要求撤销。Complaint {cid} is withdrawn as you asked.",
    "progress": "您的投诉 {cid} 正在由主管加急处理。A supervisor is now handling {cid} with priority.",
    "incident_plan": "关于您的投诉 {cid}：{text_zh} / About your complaint {cid}: {text_en}",
    "extension": "您的投诉 {cid} 情况复杂，处理期限延长至 {day}（{reason}）。"
                 "Your case needs more time; we will decide by {day} ({reason}).",
    "appraisal_started": "您的投诉 {cid} 需由{by}进行{what}，期间不计入处理期限。"
                         "Complaint {cid} needs {what} by {by}; that time does not count towards our deadline.",
    "appraisal_ended": "投诉 {cid} 的鉴定已完成，我们将于 {due} 前作出处理决定。"
                       "The appraisal for {cid} is done; we will decide by {due}.",
    "repeat_linked": "您的投诉 {cid} 与投诉 {of} 为同一事项，将合并处理，处理期限以 {of} 为准。"
                     "Your complaint {cid} is the same matter as {of}: we handle them together, by {of}'s date.",
    "repeat_unlinked": "您的投诉 {cid} 有新的情况，我们将单独处理。"
                       "Your complaint {cid} brings new facts: we handle it on its own.",
    # Order No. 3: the decision is told with what was verified, its basis and reasons, and the remedies open.
    "decision": "投诉 {cid} 的处理决定：{finding_zh}，{relief_zh}{money}。核实情况：{facts}。处理依据：{basis}。"
                "处理理由：{reasons}。如对决定有异议，您可在 {review_by} 前申请我行上级机构核查，"
                "也可申请调解、仲裁或依法向人民法院起诉。"
                " Our decision on {cid}: {finding_en}, {relief_en}{money}. What we verified: {facts}. Basis: {basis}. "
                "Reasons: {reasons}. If you disagree, you may ask for a review by our higher-level unit until "
                "{review_by}, or seek mediation, arbitration or a court.",
    "review_received": "您对投诉 {original} 处理决定的核查申请已受理，编号 {cid}，将由上级机构核查。"
                       "Your request for a review of the decision on {original} is received as {cid}; "
                       "our higher-level unit will review it.",
    "review_decision": "您对投诉 {original} 的核查申请（{cid}）结论：{review_zh}。{finding_zh}，{relief_zh}{money}。"
                       "核实情况：{facts}。处理依据：{basis}。核查理由：{reasons}。"
                       "如仍有异议，您可申请调解、仲裁或依法向人民法院起诉。"
                       " The review of {original} ({cid}): {review_en}. {finding_en}, {relief_en}{money}. What we "
                       "verified: {facts}. Basis: {basis}. Reasons: {reasons}. If you still disagree, you may seek "
                       "mediation, arbitration or a court.",
}


def named(kind: str, key: object) -> dict[str, str]:
    """`{kind}_zh` and `{kind}_en`: what the customer reads for an id (a finding, a relief, a review)."""
    text = str(getattr(key, "value", key))
    zh, en = _NAMES[kind].get(text, (text, text))
    return {f"{kind}_zh": zh, f"{kind}_en": en}


def customer(template: str, cid: str, **values: object) -> str:
    return CUSTOMER[template].format(cid=cid, **values)


def day(at: datetime) -> str:
    return at.date().isoformat()


def when(at: datetime, tz: str) -> str:
    """A deadline as a person reads it, in the bank's zone: `2026-12-07 14:00`. One at local midnight is the
    end of the day before (a day limit ends at 24:00), so it reads `2026-12-09 24:00`, never
    `2026-12-10 00:00`, a day that has not begun."""
    here = at.astimezone(ZoneInfo(tz))
    if (here.hour, here.minute, here.second, here.microsecond) == (0, 0, 0, 0):
        return f"{(here - timedelta(days=1)):%Y-%m-%d} 24:00"
    return here.strftime("%Y-%m-%d %H:%M")
