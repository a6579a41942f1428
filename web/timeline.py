"""The timeline and the staff notices as a person reads them: the engine writes each entry's detail and each
notice's body in English once (the audit trail and the logs keep it so) and keeps the values beside it; the
page words them in the person's language from those values, naming clocks, departments and stages. What a
person typed (a note, a question, a reason) is marked as theirs, shown as written, and never translated."""
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
# Fields a person typed: shown as written.
SAID = {"note", "text", "question", "answer", "reason", "what", "comment", "by", "result", "purpose", "title"}

# action (or notice template): (Chinese, English), worded from the values kept with it.
ENTRIES: dict[str, tuple[str, str]] = {
    "accept": ("{note}", "{note}"),
    "add_note": ("{text}", "{text}"),
    "escalate": ("{reason}", "{reason}"),
    "approve_close": ("{note}", "{note}"),
    "withdraw": ("{reason}", "{reason}"),
    "open_work_order": ("{wo} 发往{department}：{question}", "{wo} to {department}: {question}"),
    "answer_work_order": ("{wo}：{answer}", "{wo}: {answer}"),
    "cancel_work_order": ("{wo} 撤回：{reason}", "{wo} cancelled: {reason}"),
    "request_customer_info": ("处理时限暂停，请客户补充：{what}", "resolution clocks paused, the customer is asked for: {what}"),
    "customer_info_received": ("处理时限恢复（暂停了 {span}）{sep}{note}{images}",
                               "resolution clocks resumed (paused {span}){sep}{note}{images}"),
    "approve_disposal": ("第 {n} 人同意（共需 2 人）。{note}", "approval {n} of 2. {note}"),
    "return_disposal": ("{reason}", "{reason}"),
    "record_disposal": ("{text}", "{text}"),
    "incident_notice": ("{iid}：{text}", "{iid}: {text}"),
    "propose_response": ("回复通过话术检查，正在发送给客户", "the response passed the script check; sending"),
    "customer_feedback": ("{verdict}，评分 {csat}。{comment}", "{verdict}, CSAT {csat}. {comment}"),
    "reassign": ("{owner}（{department}）改派给 {new_owner}（{new_department}）：{reason}", "{owner} ({department}) to {new_owner} ({new_department}): {reason}"),
    "extend_deadline": ("监管处理决定时限延至 {due}：{reason}", "regulatory decision now due {due}: {reason}"),
    "correct_classification": ("{business_type} · {problem_nature} 更正为 {new_type} · {new_nature}：{reason}", "{business_type} · {problem_nature} corrected to {new_type} · {new_nature}: {reason}"),
    "start_appraisal": ("{by}进行{what}，期间不计时", "{what} by {by}: the clocks hold"),
    "end_appraisal": ("鉴定完成（历时 {span}）：{result}", "appraisal done (took {span}): {result}"),
    "suspected_repeat": ("疑似重复投诉：与未结投诉 {of} 为同一事项", "seems to repeat open complaint {of}"),
    "link_repeat": ("作为 {of} 的重复投诉合并处理，本投诉时限暂停。{note}", "linked as a repeat of {of}; its clocks hold. {note}"),
    "new_facts": ("有新事实，单独处理。{reason}", "new facts: handled on its own. {reason}"),
    "approve_redress": ("同意赔付，最高 {amount}。{note}", "redress approved up to {amount}. {note}"),
    "redress": ("{id}：赔付 {amount}，用于{purpose}（审批人：{approved}）", "{id}: {amount} for {purpose} (approved by: {approved})"),
    "codes_confirmed": ("监管分类编码确认：{codes}", "regulator's codes confirmed: {codes}"),
    "codes_corrected": ("监管分类编码更正：{codes} 改为 {new_codes}", "regulator's codes corrected: {codes} to {new_codes}"),
    "stage": ("{stage}", "{stage}"),
    "received": ("经{channel}受理", "through {channel}"),
    "analysed": ("{business_type} · {problem_nature} · {level}{emergency} · 分派至{department}（{method}）", "{business_type} · {problem_nature} · {level}{emergency} · to {department} ({method})"),
    "awaiting_close_approval": ("{outcome}，待主管批准结案", "{outcome}; a supervisor must approve"),
    "no_feedback": ("回访期满，客户未答复", "the verification window ended without an answer"),
    "sla_warning": ("{clock}将于 {due} 到期", "{clock} due {due}"),
    "sla_breached": ("{clock}已超时（时限 {due}）", "{clock} breached (due {due})"),
}
NOTICES: dict[str, tuple[str, str]] = {
    "assigned": ("投诉 {cid} 由您负责", "complaint {cid} is yours"),
    "special_group": ("投诉 {cid} 转专班处理", "complaint {cid} for the special handling group"),
    "close_approval": ("重大投诉 {cid} 待批准结案（{outcome}）", "major complaint {cid} is ready to close ({outcome})"),
    "sla_warning": ("投诉 {cid}：{clock}将于 {due} 到期", "complaint {cid}: {clock} due {due}"),
    "sla_breach": ("投诉 {cid}：{clock}已超时，由您督办（绿色通道）", "complaint {cid}: {clock} breached; yours (green channel)"),
    "work_order_overdue": ("工单 {wo} 已超时", "work order {wo} is overdue"),
    "work_order": ("投诉 {cid} 的工单 {wo}，请于 {due} 前答复", "work order {wo} on complaint {cid}, due {due}"),
    "work_order_answered": ("{department}已答复投诉 {cid} 的工单 {wo}", "{department} answered work order {wo} on {cid}"),
    "work_order_cancelled": ("工单 {wo} 已撤回", "work order {wo} cancelled"),
    "disposal_returned": ("投诉 {cid} 的处置被 {actor} 退回", "the disposal of {cid} was returned by {actor}"),
    "incident_alert": ("重大事件 {iid} 已发现：请在一小时内确认或排除", "major incident {iid} is open: confirm or dismiss it within the hour"),
    "problem_action": ("问题 {problem}（{title}）交给本部门一项整改措施 {action}，期限 {due}", "problem {problem} ({title}) gives your department corrective action {action}, due {due}"),
    "problem_action_warning": ("问题 {problem} 的整改措施 {action} 即将到期", "corrective action {action} of problem {problem} is due soon"),
    "problem_action_breached": ("问题 {problem} 的整改措施 {action} 已逾期", "corrective action {action} of problem {problem} is overdue"),
    "problem_plan_warning": ("问题 {problem}（{title}）的整改计划即将到期", "the improvement plan of problem {problem} ({title}) is due soon"),
    "problem_plan_breached": ("问题 {problem}（{title}）的整改计划已超时", "the improvement plan of problem {problem} ({title}) is overdue"),
    "problem_surface_fix": ("问题 {problem}（{title}）整改无效：被判定为表面整改，请重新整改", "problem {problem} ({title}): the fix did not work (a fix on the surface); it is open again"),
    "problem_reopened": ("问题 {problem}（{title}）整改效果评估无效，已重新打开", "problem {problem} ({title}) was not effective and is open again"),
    "incident_breach": ("重大事件 {iid} 的时限已超：{clock}", "major incident {iid} missed its {clock} deadline"),
    "revisit_overdue": ("{month} 回访：投诉 {cid} 的回访已超过期限", "look-back {month}: the revisit of {cid} is past its deadline"),
    "reopen_failed": ("{month} 回访：投诉 {cid} 问题复发，但未能重新立案：{error}",
                      "look-back {month}: {cid} recurred but could not be reopened: {error}"),
    "delivery_failed": ("投诉 {cid}：{message}经{channel}发送 {attempts} 次均未送达（{error}），请另行联系客户",
                        "{cid}: the {message} by {channel} was not delivered after {attempts} attempts ({error}); "
                        "please reach the customer another way"),
    "dissatisfied": ("客户对投诉 {cid} 不满意，退回处理", "the customer is not satisfied with {cid}: back to handling"),
}
_KIND = {"department": "department", "new_department": "department", "stage": "stage", "channel": "channel",
         "business_type": "business_type", "new_type": "business_type", "problem_nature": "problem_nature",
         "new_nature": "problem_nature", "level": "level", "outcome": "outcome", "message": "template"}


def entry(action: str, detail: str, accepted: bool, lang: str, named: Named, tz: str, code: str = "",
          values: dict[str, str] | None = None) -> list[Segment]:
    """An audit entry's detail as segments, worded from the code and values it was recorded with (a refusal's
    from its reason's). An entry without them (from before they were kept) is shown as written: our own
    English is never read back."""
    if not accepted:
        coded = reasons.Reason.of({"code": code, "values": values or {}}) if code else None
        return [(reasons.say(coded if coded is not None else detail, lang, named), False)]
    if code == action and code in ENTRIES and values is not None:
        return _shown(ENTRIES[code], values, lang, named, tz)
    return [(detail, True)] if detail else []


def notice(template: str, body: str, lang: str, named: Named, tz: str,
           params: dict[str, str] | None = None) -> list[Segment]:
    """A staff notice in the person's language, from the values it was sent with; one without them (from
    before they were kept) is shown as written."""
    found = NOTICES.get(template)
    if found and params is not None and set(re.findall(r"\{(\w+)\}", found[0])) <= set(params):
        return _shown(found, params, lang, named, tz)
    return [(body, False)] if body else []


def _shown(found: tuple[str, str], raw: dict[str, str], lang: str, named: Named, tz: str) -> list[Segment]:
    template = found[1] if lang == "en" else found[0]
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
    if minutes < 60:  # "0 hours 10 minutes" reads as a slip
        return f"{minutes} min" if lang == "en" else f"{minutes} 分钟"
    return f"{minutes // 60} h {minutes % 60} min" if lang == "en" else f"{minutes // 60} 小时 {minutes % 60} 分钟"
