"""What the complaint tells customers and staff, Chinese first. Kept apart from the lifecycle so wording
changes never touch the workflow's logic (they do change new history payloads, not commands)."""
from datetime import datetime
from zoneinfo import ZoneInfo

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
}


def customer(template: str, cid: str, **values: object) -> str:
    return CUSTOMER[template].format(cid=cid, **values)


def day(at: datetime) -> str:
    return at.date().isoformat()


def when(at: datetime, tz: str) -> str:
    """A deadline as the customer reads it, in the bank's zone: `2026-12-07 14:00`."""
    return at.astimezone(ZoneInfo(tz)).strftime("%Y-%m-%d %H:%M")
