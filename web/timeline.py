"""The timeline and the staff notices as a person reads them: the engine writes each entry's detail and each
notice's body in English once (the audit trail and the logs keep it so); the page reads it back by action or
template and says it in the person's language, naming clocks, departments and stages. What a person typed
(a note, a question, a reason) is marked as theirs, shown as written, and never translated."""
import re
from collections.abc import Callable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from models import reasons
from models.policy import CLOCK_LABELS
from models.vocabulary import method_name
from web.views import deadline_text

Segment = tuple[str, bool]  # (text, typed by a person)
Named = Callable[[str, str], str]
_CLOCK_OF = {label: kind for kind, label in CLOCK_LABELS.items()}
_TIME = r"\d{4}-\d{2}-\d{2}T[\d:.]+(?:[+-]\d{2}:\d{2}|Z)?"
# Fields a person typed: shown as written.
SAID = {"note", "text", "question", "answer", "reason", "what", "comment"}

# action (or notice template): (pattern of the English the engine wrote, Chinese, English).
ENTRIES: dict[str, tuple[str, str, str]] = {
    "accept": (r"(?P<note>.*)", "{note}", "{note}"),
    "add_note": (r"(?P<text>.*)", "{text}", "{text}"),
    "escalate": (r"(?P<reason>.*)", "{reason}", "{reason}"),
    "approve_close": (r"(?P<note>.*)", "{note}", "{note}"),
    "withdraw": (r"(?P<reason>.*)", "{reason}", "{reason}"),
    "open_work_order": (r"(?P<wo>\S+) to (?P<department>\S+): (?P<question>.*)",
                        "{wo} 发往{department}：{question}", "{wo} to {department}: {question}"),
    "answer_work_order": (r"(?P<wo>WO-\d+): (?P<answer>.*)", "{wo}：{answer}", "{wo}: {answer}"),
    "cancel_work_order": (r"(?P<wo>WO-\d+): (?P<reason>.*)", "{wo} 撤回：{reason}", "{wo} cancelled: {reason}"),
    "request_customer_info": (r"resolution clocks paused: (?P<what>.*)", "处理时限暂停，请客户补充：{what}",
                              "resolution clocks paused, the customer is asked for: {what}"),
    "customer_info_received": (r"resolution clocks resumed after (?P<span>.*)", "处理时限恢复（暂停了 {span}）",
                               "resolution clocks resumed (paused {span})"),
    "approve_disposal": (r"(?P<n>\d) of 2\. (?P<note>.*)", "第 {n} 人同意（共需 2 人）。{note}",
                         "approval {n} of 2. {note}"),
    "return_disposal": (r"(?P<reason>.*)", "{reason}", "{reason}"),
    "record_disposal": (r"(?P<text>.*)", "{text}", "{text}"),
    "incident_notice": (r"(?P<iid>INC-\S+): (?P<text>.*)", "{iid}：{text}", "{iid}: {text}"),
    "propose_response": (r"response passed the script check; sending", "回复通过话术检查，正在发送给客户",
                         "the response passed the script check; sending"),
    "customer_feedback": (r"(?P<verdict>satisfied|not satisfied), CSAT (?P<csat>\d)\. (?P<comment>.*)",
                          "{verdict}，评分 {csat}。{comment}", "{verdict}, CSAT {csat}. {comment}"),
    "reassign": (r"(?P<owner>[^@]*)@(?P<department>\S+) -> (?P<new_owner>[^@]*)@(?P<new_department>\S+): (?P<reason>.*)",
                 "{owner}（{department}）改派给 {new_owner}（{new_department}）：{reason}",
                 "{owner} ({department}) to {new_owner} ({new_department}): {reason}"),
    "extend_deadline": (rf"regulatory decision due (?P<due>{_TIME}): (?P<reason>.*)",
                        "监管处理决定时限延至 {due}：{reason}", "regulatory decision now due {due}: {reason}"),
    "correct_classification": (r"(?P<business_type>\w+)/(?P<problem_nature>\w+) -> (?P<new_type>\w+)/(?P<new_nature>\w+): "
                               r"(?P<reason>.*)", "{business_type} · {problem_nature} 更正为 {new_type} · {new_nature}：{reason}",
                               "{business_type} · {problem_nature} corrected to {new_type} · {new_nature}: {reason}"),
    "stage": (r"(?P<stage>\w+)", "{stage}", "{stage}"),
    "received": (r"via (?P<channel>\w+)", "经{channel}受理", "through {channel}"),
    "analysed": (r"(?P<business_type>\w+)/(?P<problem_nature>\w+), level (?P<level>I{1,3})(?P<emergency>, emergency)?, "
                 r"to (?P<department>\S+) \((?P<method>.*)\)",
                 "{business_type} · {problem_nature} · {level}{emergency} · 分派至{department}（{method}）",
                 "{business_type} · {problem_nature} · {level}{emergency} · to {department} ({method})"),
    "awaiting_close_approval": (r"(?P<outcome>\w+); a supervisor must approve", "{outcome}，待主管批准结案",
                                "{outcome}; a supervisor must approve"),
    "no_feedback": (r"verification window ended without an answer", "回访期满，客户未答复",
                    "the verification window ended without an answer"),
    "sla_warning": (rf"(?P<clock>.+?) due (?P<due>{_TIME})", "{clock}将于 {due} 到期", "{clock} due {due}"),
    "sla_breached": (rf"(?P<clock>.+?) was due (?P<due>{_TIME})", "{clock}已超时（时限 {due}）",
                     "{clock} breached (due {due})"),
}
NOTICES: dict[str, tuple[str, str, str]] = {
    "assigned": (r"Complaint (?P<cid>\S+) (?:is yours \(first responder\); handled by (?P<department>\S+)|"
                 r"reassigned to you)", "投诉 {cid} 由您负责", "complaint {cid} is yours"),
    "special_group": (r"(?:Major complaint|Complaint) (?P<cid>\S+) .*", "投诉 {cid} 转专班处理",
                      "complaint {cid} for the special handling group"),
    "close_approval": (r"Major complaint (?P<cid>\S+) is ready to close \((?P<outcome>\w+)\)",
                       "重大投诉 {cid} 待批准结案（{outcome}）", "major complaint {cid} is ready to close ({outcome})"),
    "sla_warning": (rf"(?P<cid>\S+): (?P<clock>.+?) due at (?P<due>{_TIME})", "投诉 {cid}：{clock}将于 {due} 到期",
                    "complaint {cid}: {clock} due {due}"),
    "sla_breach": (r"(?P<cid>\S+): (?P<clock>.+?) breached; you are assigned \(green channel\)",
                   "投诉 {cid}：{clock}已超时，由您督办（绿色通道）", "complaint {cid}: {clock} breached; yours (green channel)"),
    "work_order_overdue": (r"Work order (?P<wo>\S+) (?:on (?P<cid>\S+)|to (?P<department>\S+)) is overdue",
                           "工单 {wo} 已超时", "work order {wo} is overdue"),
    "work_order": (rf"Work order (?P<wo>\S+) on complaint (?P<cid>\S+), due (?P<due>{_TIME})",
                   "投诉 {cid} 的工单 {wo}，请于 {due} 前答复", "work order {wo} on complaint {cid}, due {due}"),
    "work_order_answered": (r"(?P<department>\S+) answered work order (?P<wo>\S+) on (?P<cid>\S+)",
                            "{department}已答复投诉 {cid} 的工单 {wo}", "{department} answered work order {wo} on {cid}"),
    "work_order_cancelled": (r"Work order (?P<wo>\S+) cancelled", "工单 {wo} 已撤回", "work order {wo} cancelled"),
    "disposal_returned": (r"Disposal of (?P<cid>\S+) returned by (?P<actor>\S+)", "投诉 {cid} 的处置被 {actor} 退回",
                          "the disposal of {cid} was returned by {actor}"),
    "incident_alert": (r"Major incident (?P<iid>\S+) is open: confirm or dismiss it within the hour",
                       "重大事件 {iid} 已发现：请在一小时内确认或排除", "major incident {iid} is open: confirm or dismiss it within the hour"),
    "incident_breach": (r"Major incident (?P<iid>\S+) missed its (?P<clock>\w+) deadline",
                        "重大事件 {iid} 的时限已超：{clock}", "major incident {iid} missed its {clock} deadline"),
    "dissatisfied": (r"Customer not satisfied with (?P<cid>\S+): back to handling", "客户对投诉 {cid} 不满意，退回处理",
                     "the customer is not satisfied with {cid}: back to handling"),
}
_KIND = {"department": "department", "new_department": "department", "stage": "stage", "channel": "channel",
         "business_type": "business_type", "new_type": "business_type", "problem_nature": "problem_nature",
         "new_nature": "problem_nature", "level": "level", "outcome": "outcome"}


def entry(action: str, detail: str, accepted: bool, lang: str, named: Named, tz: str, code: str = "",
          values: dict[str, str] | None = None) -> list[Segment]:
    """An audit entry's detail as segments; a rejection's is its refusal in the person's language, from the
    code it was recorded with (an entry from before codes were kept is read back from its sentence)."""
    if not accepted:
        coded = reasons.Reason.of({"code": code, "values": values or {}}) if code else None
        return [(reasons.say(coded if coded is not None else detail, lang, named), False)]
    if code == action and code in ENTRIES and values is not None:  # kept with the entry: nothing read back
        return _shown(ENTRIES[code], values, lang, named, tz)
    return _said(ENTRIES.get(action), detail, lang, named, tz)


def notice(template: str, body: str, lang: str, named: Named, tz: str,
           params: dict[str, str] | None = None) -> list[Segment]:
    """A staff notice in the person's language: from the values it was sent with, or (a notice from before
    they were kept, or one an activity wrote) read back from its English by the template's pattern."""
    found = NOTICES.get(template)
    if found and params and set(re.findall(r"\{(\w+)\}", found[1])) <= set(params):
        return _shown(found, params, lang, named, tz)
    return _said(found, body, lang, named, tz)


def _said(found: tuple[str, str, str] | None, text: str, lang: str, named: Named, tz: str) -> list[Segment]:
    """An entry from before its values were kept: read back from its English by the action's pattern."""
    match = re.fullmatch(found[0], text, re.S) if found else None
    if found is None or match is None:
        return [(text, True)] if text else []  # written by no rule of this table: shown as it is
    return _shown(found, {k: v or "" for k, v in match.groupdict().items()}, lang, named, tz)


def _shown(found: tuple[str, str, str], raw: dict[str, str], lang: str, named: Named, tz: str) -> list[Segment]:
    template = found[2] if lang == "en" else found[1]
    values = {k: _value(k, raw.get(k, ""), lang, named, tz) for k in re.findall(r"\{(\w+)\}", template)}
    out: list[Segment] = []
    for i, part in enumerate(re.split(r"\{(\w+)\}", template)):
        if i % 2 == 0:
            out.append((part, False))
        else:
            out.append((values[part], part in SAID))
    return [s for s in out if s[0]]


def _value(key: str, value: str, lang: str, named: Named, tz: str) -> str:
    if key in _KIND:
        return named(_KIND[key], value)
    if key == "clock":
        kind = _CLOCK_OF.get(value, value)
        return named("clock", kind)
    if key == "due":
        return _local(value, tz)
    if key == "emergency":
        return ("·" + named("event", "emergency")) if value else ""
    if key == "verdict":
        return {"satisfied": ("满意", "satisfied"), "not satisfied": ("不满意", "not satisfied")}[value][lang == "en"]
    if key == "method":
        return method_name(value, lang)
    if key == "span":
        return _span(value, lang)
    return value


def _local(iso: str, tz: str) -> str:
    try:
        return deadline_text(datetime.fromisoformat(iso.replace("Z", "+00:00")), ZoneInfo(tz))
    except ValueError:
        return iso


def _span(text: str, lang: str) -> str:
    """`1 day, 2:03:04.5` (a timedelta's str) as hours and minutes."""
    days = int(m.group(1)) if (m := re.match(r"(\d+) days?, ", text)) else 0
    hm = re.search(r"(\d+):(\d+):", text)
    h, mi = (int(hm.group(1)), int(hm.group(2))) if hm else (0, 0)
    minutes = int(timedelta(days=days, hours=h, minutes=mi).total_seconds() // 60)
    return f"{minutes // 60} h {minutes % 60} min" if lang == "en" else f"{minutes // 60} 小时 {minutes % 60} 分钟"
