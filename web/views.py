"""What a page shows, computed without I/O: the actions a person may take now (the workflow's own rules),
the response script check, the clocks as a person reads them, and the forms of each message."""
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from annotated_types import MaxLen

from models import reasons
from models.enums import Finding, Relief, ReviewOutcome
from models.intake import Actor
from models.policy import Policy
from models.state import ComplaintState
from workflows import texts
from workflows.contract import CHANNEL_ONLY, CODE_FIELDS, CONTRACT, MESSAGES, REQUESTS
from workflows.rules import kind_and_refusal
from workflows.script import PARTS, script_problems


def available_actions(actor: Actor, s: ComplaintState, policy: Policy, now: datetime) -> list[str]:
    """The messages this person may send to this complaint now, by the rules the workflow applies: a
    message refused for its stage, for who sends it, or by the case's state is not offered at all."""
    open_orders = [w.id for w in s.open_work_orders()]
    found = []
    for name, cls in MESSAGES.items():
        if name in CHANNEL_ONLY or not CONTRACT[name].form:
            continue
        fields = dict(CONTRACT[name].probe)
        if name in ("answer_work_order", "cancel_work_order"):
            if not open_orders:
                continue
            fields["work_order_id"] = open_orders[0]
        if name == "link_repeat":  # offered when there is something to link it to (the rule decides what)
            if not (candidates := repeat_candidates(s)):
                continue
            fields["of"] = candidates[0]
        refused = kind_and_refusal(name, cls.model_validate({**fields, "actor": actor.model_dump()}), s, policy, now)
        if refused is None or (refused[0] == "rule" and CONTRACT[name].decided_by_content
                               and not waits_on_the_case(refused[1])):
            found.append(name)
    return found


def repeat_candidates(s: ComplaintState) -> list[str]:
    """What a repeat may be linked to: the one the analysis offered first, then the customer's other open ones."""
    return list(dict.fromkeys(c for c in (s.suspected_repeat, *s.open_of_customer) if c))


def waits_on_the_case(reason: str) -> bool:
    """A refusal that says the case is not ready yet (its code, which the rule that refused carries)."""
    return isinstance(reason, reasons.Reason) and reason.code in reasons.WAITS_ON_THE_CASE


def blocked(actor: Actor, s: ComplaintState, policy: Policy, now: datetime, offered: list[str]) -> dict[str, str]:
    """The person's own forms not offered now because the case is not ready, with the reason (shown greyed)."""
    out = {}
    for name in CONTRACT:
        if name in offered or name in CHANNEL_ONLY or not CONTRACT[name].decided_by_content:
            continue
        fields = {**CONTRACT[name].probe, "actor": actor.model_dump()}
        if name in ("answer_work_order", "cancel_work_order"):
            continue
        refused = kind_and_refusal(name, MESSAGES[name].model_validate(fields), s, policy, now)
        if refused and refused[0] == "rule" and waits_on_the_case(refused[1]):
            out[name] = refused[1]
    return out


@dataclass(frozen=True)
class ScriptCheck:
    parts: list[tuple[str, bool]]   # (part, present)
    prohibited: list[str]

    @property
    def ready(self) -> bool:
        return all(ok for _, ok in self.parts) and not self.prohibited


def script_check(text: str, prohibited: list[str]) -> ScriptCheck:
    """The page's live check of a draft response: the rule the workflow applies (workflows/script.py), shown
    part by part."""
    problems = script_problems(text, prohibited)
    missing = {values["part"] for kind, values in problems if kind == "missing"}
    return ScriptCheck([(part, part not in missing) for part in PARTS],
                       [values["phrase"] for kind, values in problems if kind == "prohibited"])


@dataclass(frozen=True)
class ClockView:
    name: str
    label: str
    deadline_local: str
    deadline_iso: str
    warn_iso: str
    status: str          # running / warned / breached / met / late / paused / stopped
    paused_minutes: int


def clock_views(s: ComplaintState, now: datetime) -> list[ClockView]:
    zone = ZoneInfo(s.timezone)
    out = []
    for c in s.clocks:
        if c.met_at:
            status = "late" if c.met_at > c.deadline() else "met"
        elif c.breached_at:
            status = "breached"
        elif c.stopped_at:
            status = "stopped"
        elif c.paused:
            status = "paused"
        else:
            status = "warned" if c.warned_at else "running"
        deadline = c.deadline(now)
        paused = c.paused_for + (now - c.paused_since if c.paused_since else timedelta(0))
        out.append(ClockView(c.name, c.label, deadline_text(deadline, zone),
                             deadline.isoformat(), c.warn_time().isoformat(), status,
                             int(paused.total_seconds() // 60)))
    return out


# A field chosen from a closed list, each choice named in the vocabulary under the field's name.
CHOICES: dict[str, list[str]] = {"finding": [f.value for f in Finding], "relief": [r.value for r in Relief],
                                 "review": [r.value for r in ReviewOutcome]}


@dataclass(frozen=True)
class Field:
    name: str
    required: bool
    kind: str            # text / textarea / select / number
    max_length: int | None
    default: str = ""    # what the field holds unless the person writes otherwise (a currency: CNY)


# A regulator's code field (ProposeResponse.channel_code …) -> its dimension in the code table.
CODE_DIMENSION = {field: dim for dim, field in CODE_FIELDS.items()}
PAGE_ONLY = frozenset({"attachments"})  # what only the customer's own page fills (the images it stored)


def form_fields(name: str) -> list[Field]:
    """A message's form, read off its request model, so the page validates what the engine will."""
    out = []
    for field_name, info in REQUESTS[name].model_fields.items():
        if field_name in PAGE_ONLY:
            continue
        limit = next((m.max_length for m in info.metadata if isinstance(m, MaxLen)), None)
        kind = "code" if field_name in CODE_DIMENSION else \
            "select" if field_name in ("work_order_id", "of") else "department" if field_name == "department" else \
            "label" if field_name in ("business_type", "problem_nature") or field_name in CHOICES else \
            "textarea" if (limit or 0) > 200 else "text"
        default = info.default if isinstance(info.default, str) else ""
        out.append(Field(field_name, info.is_required(), kind, limit, default))
    return out


def deadline_text(dt: datetime, zone: ZoneInfo) -> str:
    """A deadline as the bank reads it (`texts.when`: one at local midnight is the day before's 24:00)."""
    return texts.when(dt, zone.key)


def local(dt: datetime | None, tz: str) -> str:
    return dt.astimezone(ZoneInfo(tz)).strftime("%Y-%m-%d %H:%M") if dt else ""


# How each kind of evidence the classifier records reads ("business:银行卡", "repeat:6 recent", …).
EVIDENCE = {
    "business": ("业务词「{0}」", "business word “{0}”"), "nature": ("问题词「{0}」", "problem word “{0}”"),
    "guarded": ("已排除「{0}」（已处理或仅询问）", "set aside “{0}” (dealt with or only asked)"),
    "repeat": ("近期重复投诉 {0}", "repeated: {0}"),
    "emergency-model": ("紧急识别模型 {0}", "emergency model {0}"),
    "emergency-nearest": ("最相近的紧急案例 {0}", "nearest emergency case {0}"),
    "emergency-feature": ("紧急特征 {0}", "emergency feature {0}"),
    "model": ("业务类型模型 {0}", "business-type model {0}"), "model-feature": ("模型特征 {0}", "model feature {0}"),
}


# The emergency detector's concepts (classifier/emergency_concepts.toml) as a person calls them.
CONCEPTS = {
    "not_me": ("非本人操作", "not done by the customer"), "money_gone": ("资金被转走或扣走", "money taken"),
    "i_sent": ("客户自己转出了钱", "the customer sent money"), "card_with_me": ("卡仍在身边", "card still with them"),
    "abroad": ("境外或异地", "abroad or far away"), "lost": ("丢失或被盗", "lost or stolen"),
    "item": ("卡、钱包或手机", "card, wallet or phone"), "sim": ("手机卡异常", "SIM card trouble"),
    "safe_account": ("“安全账户”话术", "a \u201csafe account\u201d"), "authority": ("冒充公检法或银行", "posing as an authority"),
    "link": ("点了链接或二维码", "a link or QR code"), "code": ("验证码或密码", "a code or password"),
    "investment": ("投资理财诱导", "an investment lure"), "romance": ("网恋交友", "an online romance"),
    "relative": ("家中老人或亲属", "an elderly relative"), "deceived": ("被骗", "deceived"),
    "urgency": ("情况紧急", "urgent"), "block_ask": ("要求冻结或止付", "asks to block or stop"),
    "atm": ("取款机或读卡器", "an ATM or card reader"), "online": ("网购或网上支付", "online shopping"),
    "takeover": ("账户被他人登录或修改", "account taken over"), "identity": ("身份被冒用", "identity misused"),
    "task": ("刷单兼职", "a task or part-time job scam"), "settled": ("已处理或已退回", "already dealt with"),
    "ask_info": ("仅咨询", "only asking"), "fee_delay": ("费用或到账慢", "fees or a slow payment"),
}
MEANING = ("整体语义", "the text's overall meaning")


def _feature(value: str, lang: str) -> str:
    """One feature of a learned model: a concept (or two together), the sentence meaning, or the customer's
    own characters, never an internal name."""
    i = 1 if lang == "en" else 0
    if value == "meaning" or value.startswith("meaning:"):
        return MEANING[i]
    if value.startswith("concept:"):
        names = [CONCEPTS[c][i] if c in CONCEPTS else c for c in value.removeprefix("concept:").split("+")]
        return " + ".join(names)
    return f"\u201c{value}\u201d" if lang == "en" else f"「{value}」"


def evidence(matched: list[str], lang: str) -> list[str]:
    """The classifier's evidence as a person reads it; the term itself stays as the customer wrote it."""
    out = []
    for item in matched:
        kind, _, value = item.partition(":")
        if kind in ("emergency-feature", "model-feature"):
            value = _feature(value, lang)
        words = EVIDENCE.get(kind)
        value = value.replace("recent", "次" if lang != "en" else "recent").replace("threshold", "阈值" if lang != "en"
                                                                                    else "threshold")
        out.append((words[1] if lang == "en" else words[0]).format(value) if words and value else item)
    return out
