"""Why a message is refused, as a code with its words in both languages.

The rules (workflows/contract.py, workflows/rules.py, workflows/permissions.py) build each refusal with
`why(code, …)`: the English sentence the engine, the API and the logs carry, with its code and values beside
it (a `Reason`; in a refusal's details, a problem's members). A page says it in the person's language from
the code (`say`), naming departments, stages, messages and parties as the vocabulary does, and never reads
the sentence back. Pure: the workflow imports it."""
import json
from collections.abc import Callable, Sequence

# code: (English template, Chinese template). A value's name says how it is shown in Chinese: see _KINDS.
REASONS: dict[str, tuple[str, str]] = {
    "closed": ("complaint {complaint} is closed ({outcome})", "投诉 {complaint} 已结案（{outcome}）"),
    "stage": ("{message} is not possible in stage {stage} (only in: {stages})",
              "「{message}」在「{stage}」阶段不能办理（仅限：{stages}）"),
    "feedback_recorded": ("feedback is already recorded; the complaint waits for a supervisor's approve_close",
                          "客户评价已记录，投诉等待主管批准结案"),
    "not_yours": ("{message} is for {who}; {actor} ({role}, {department}) is not",
                  "「{message}」只能由{who}办理；{actor}（{role}，{department}）不在其列"),
    "already_accepted": ("the complaint is already accepted", "投诉已受理"),
    "notes_per_hour": ("this complaint already has {count} notes in the last hour (limit {limit}); "
                       "put them together in one note",
                       "本投诉过去一小时已有 {count} 条备注（上限 {limit} 条），请合并为一条"),
    "attachments_from_page": ("images come with the customer's own answer on their page, not from {actor}",
                              "图片只能由客户本人在其投诉页面上传，{actor} 不能附加图片"),
    "unknown_department": ("no department '{department}' is registered (departments: {departments})",
                           "部门「{department}」未登记，请从列表中选择"),
    "own_department": ("a work order asks another department; {department} already owns this complaint",
                       "工单发往其他部门；{department}已是本投诉的负责部门"),
    "work_order_limit": ("this complaint already has {count} work orders (limit {limit})",
                         "本投诉已有 {count} 张工单（上限 {limit} 张）"),
    "work_order_too_long": ("a work order due in {due} would outlast the regulatory ceiling ({ceiling} from receipt)",
                            "工单时限 {due} 超过监管上限（受理后 {ceiling}）"),
    "no_work_order": ("no work order {work_order} on this complaint (work orders: {known})",
                      "本投诉没有工单 {work_order}（现有工单：{known}）"),
    "work_order_done": ("work order {work_order} is already {status}", "工单 {work_order} {status}"),
    "work_order_elsewhere": ("work order {work_order} asks {department}, not {own_department}",
                             "工单 {work_order} 发给{department}，不是{own_department}"),
    "already_waiting": ("the complaint is already waiting on the customer", "投诉已在等待客户补充材料"),
    "info_limit": ("the customer was already asked {count} times (limit {limit}); a supervisor decides how to go on",
                   "已向客户请求补充材料 {count} 次（上限 {limit} 次），请主管决定如何继续"),
    "not_waiting": ("the complaint is not waiting on the customer for information", "投诉没有在等待客户补充材料"),
    "not_emergency": ("only emergency complaints need a dual review", "只有紧急投诉需要双人复核"),
    "approved_already": ("{actor} has already approved: the second approval must come from a different person",
                         "{actor} 已经同意过，第二个同意须由另一人作出"),
    "review_done": ("the disposal already has its two approvals", "处置已有两人同意"),
    "own_disposal": ("neither the complaint's owner nor the disposal's author may review it",
                     "投诉负责人和处置的记录人都不能复核该处置"),
    "no_disposal": ("no disposal is recorded yet: the owner records what was done before it is reviewed",
                    "尚未记录处置措施：须先由负责人记录处置，再复核"),
    "returned_pending": ("the disposal was returned; its owner records it again before it is reviewed",
                         "处置已退回，须由负责人重新记录后再复核"),
    "return_nothing": ("there is no disposal awaiting review to return", "没有待复核的处置可退回"),
    "accept_first": ("accept the complaint before proposing a response", "请先受理投诉，再回复客户"),
    "work_order_open": ("work order {work_order} to {department} is still open: wait for its answer "
                        "or cancel it with a reason", "发往{department}的工单 {work_order} 尚未答复：请等待答复或说明原因撤回"),
    "waiting_customer": ("the complaint is waiting on the customer for information", "投诉正在等待客户补充材料"),
    "dual_review": ("an emergency needs two reviewers' approve_disposal before the response ({count} of 2 so far)",
                    "紧急投诉须经两名复核人同意处置后才能回复客户（目前 {count} 人同意）"),
    "script": ("the response {problems}", "回复{problems}"),
    "already_special": ("the complaint is already with the special handling group", "投诉已在专班处理"),
    "reassign_empty": ("reassign needs a new owner_id, a new department, or both", "改派须指定新负责人、新部门或两者"),
    "reassign_same": ("the complaint already has that owner and department", "投诉已是这个负责人和部门"),
    "not_major": ("only major complaints need approve_close; this one closes without it",
                  "只有重大投诉需要主管批准结案，本投诉无需批准"),
    "close_approved": ("closing was already approved by {actor}", "结案已由 {actor} 批准"),
    "not_classified": ("the complaint is not classified yet", "投诉尚未分类"),
    "correction_empty": ("correct_classification needs a business_type, a problem_nature, or both",
                         "更正分类须指定业务类型、问题性质或两者"),
    "same_classification": ("that is already the classification", "分类已是如此"),
    "unknown_label": ("{field} '{label}' is not in the taxonomy; one of: {labels}", "「{label}」不在分类表中，请从列表中选择"),
    "decision_not_running": ("the regulatory decision clock is not running", "监管处理决定时限没有在计时"),
    "month_not_ended": ("{month} has not ended yet (it ends {end}): its look-back runs on the first working day after",
                        "{month} 尚未结束（结束于 {end}）：回头看在下月第一个工作日开始"),
    "already_extended": ("the regulatory deadline is already at its ceiling ({ceiling} from receipt)",
                         "监管处理时限已延至上限（受理后 {ceiling}），不能再延长"),
    "further_extension": ("a further extension needs a head-office approver who does not handle the complaint; "
                          "{actor} ({department}) is not one",
                          "再次延长须由不经办本投诉的上级机构（总行）审批人办理；{actor}（{department}）不具此权限"),
    "appraisal_running": ("an external appraisal is under way ({what}): record its end first",
                          "外部鉴定进行中（{what}），请先记录鉴定完成"),
    "no_appraisal": ("no external appraisal is under way", "没有进行中的外部鉴定"),
    "decision_incomplete": ("the decision needs {parts}", "处理决定缺少：{parts}"),
    "redress_not_monetary": ("only a decision of monetary relief gives money; this one's relief is {relief}",
                             "只有经济补偿类处理决定才能填写赔付金额，本决定的补救方式为{relief}"),
    "redress_approval": ("a redress of {amount} is above the policy's limit: a second person's approve_redress of "
                         "at least that much is needed first (approved so far: {approved})",
                         "赔付金额 {amount} 超过授权限额，须先经第二人审批（已审批：{approved}）"),
    "own_redress": ("{actor} handles or decides this complaint: the redress is approved by someone else",
                    "{actor} 经办或决定本投诉，赔付须由其他人审批"),
    "problem_over": ("problem {problem} is {problem_status}: it takes no more messages",
                     "问题 {problem} 状态为「{problem_status}」，不再受理"),
    "unknown_cause": ("root cause '{cause}' is not in the bank's table; one of: {known}",
                      "「{cause}」不在根因表中，请从列表中选择"),
    "too_many_actions": ("a problem has at most {limit} corrective actions", "一个问题最多 {limit} 项整改措施"),
    "action_due_past": ("an action's due date is today or later, not {due}", "整改期限须为今天或以后，不能是 {due}"),
    "plan_submitted": ("the improvement plan is already submitted", "整改计划已提交"),
    "plan_incomplete": ("the improvement plan needs a root cause and at least one open corrective action",
                        "整改计划须包含根因和至少一项未完成的整改措施"),
    "no_action": ("no corrective action {action} (known: {known})", "没有整改措施 {action}（现有：{known}）"),
    "action_done": ("corrective action {action} is already done", "整改措施 {action} 已完成"),
    "plan_first": ("the improvement plan is submitted first; then its actions are done",
                   "请先提交整改计划，再完成整改措施"),
    "too_many_linked": ("a problem names at most {limit} complaints", "一个问题最多关联 {limit} 件投诉"),
    "no_redress": ("no redress {id} in the ledger", "赔付台账中没有 {id}"),
    "redress_status": ("redress {id} is {status}: it cannot be marked so now", "赔付 {id} 当前为「{status}」，不能如此登记"),
    "unknown_code": ("{field} '{value}' is not in the regulator's code table; one of: {known}",
                     "「{value}」不在监管分类编码表中，请从列表中选择"),
    "not_a_review": ("this complaint is not a review: its decision upholds or revises nothing",
                     "本投诉不是核查，处理决定无需填写核查结论"),
    "review_of_review": ("{complaint} is itself a review: its decision is final in the bank (mediation, arbitration "
                         "or a court remain)", "{complaint} 本身是核查，其结论为本行最终决定（仍可申请调解、仲裁或诉讼）"),
    "review_undecided": ("{complaint} has no decision to review yet: it is still being handled",
                         "投诉 {complaint} 尚未作出处理决定，暂不能申请核查"),
    "review_open": ("the decision on {complaint} waits for the customer's feedback: answer it first (not satisfied "
                    "sends it back to handling); a review is asked for once it is closed",
                    "投诉 {complaint} 的处理决定正在等待客户评价：请先评价（不满意将重新处理），结案后可申请核查"),
    "review_late": ("a review of {complaint} had to be asked for by {due}", "投诉 {complaint} 的核查申请期限已于 {due} 届满"),
    "no_reviewer": ("no higher-level unit reviews {department}'s decisions: name a parent in the department registry",
                    "部门登记表中没有负责核查{department}决定的上级机构"),
    "review_not_started": ("the review of {complaint} could not start: {error}", "投诉 {complaint} 的核查未能开始：{error}"),
    "no_complaint": ("no complaint {complaint} in the read model", "没有投诉 {complaint}"),
    "repeat_linked": ("already linked as a repeat of {of}", "已作为 {of} 的重复投诉合并处理"),
    "not_a_repeat": ("{of} is not an open complaint of this customer that the analysis found",
                     "{of} 不是分析发现的该客户未结投诉，不能合并"),
    "no_repeat": ("this complaint is neither offered nor linked as a repeat", "本投诉没有疑似重复，也未合并"),
    "not_referred": ("{complaint} was not forwarded by the regulator: there is no report back to make",
                     "投诉 {complaint} 不是监管转办投诉，无需报告"),
    "referral_undecided": ("{complaint} has no decision yet: the report back gives it", "投诉 {complaint} 尚未作出处理决定，暂不能生成报告"),
    "report_sent": ("the report on {complaint} was sent at {at}: it is kept as sent", "投诉 {complaint} 的报告已于 {at} 报送，不再修改"),
    "no_report": ("no report on {complaint} has been prepared", "投诉 {complaint} 尚未生成报告"),
    "report_erased": ("the report on {complaint} was erased past retention: who prepared, approved and sent it stays",
                      "投诉 {complaint} 的报告已超过保存期限被清除，仅保留生成、审批和报送记录"),
    "own_report": ("{actor} prepared this report: another supervisor approves it", "报告由 {actor} 生成，须由其他主管审批"),
    "report_unapproved": ("the report on {complaint} is not approved yet", "投诉 {complaint} 的报告尚未审批"),
    "recused": ("{actor} takes no part in the review of {complaint} (recusal: {why_recused})",
                "{actor} 须回避投诉 {complaint} 的核查：{why_recused}"),
    "recused_owner": ("the review of {complaint} may not go to {owner} (recusal: {why_recused})",
                      "投诉 {complaint} 的核查不能交给 {owner}：{why_recused}"),
    # A major incident's messages (workflows/permissions.INCIDENT_RULES, workflows/incident.py).
    "incident_ended": ("incident {incident} is {incident_status}", "重大事件 {incident} {incident_status}"),
    "incident_decided": ("incident {incident} is already {incident_status}", "重大事件 {incident} 已是「{incident_status}」"),
    "incident_unconfirmed": ("confirm incident {incident} before {message}", "请先确认重大事件 {incident}，再{message}"),
    "already_linked": ("{complaint} is already linked to {incident}", "投诉 {complaint} 已关联到重大事件 {incident}"),
    "not_linked": ("not linked to {incident}: {complaints}", "投诉 {complaints} 未关联到重大事件 {incident}"),
    "merge_itself": ("incident {incident} cannot be merged into itself", "重大事件 {incident} 不能并入自身"),
    "split_all": ("a split leaves complaints behind; to move them all, merge {incident} instead",
                  "拆分须留下部分投诉；要全部移出，请将重大事件 {incident} 合并"),
    "being_merged": ("incident {incident} is being merged into {into}", "重大事件 {incident} 正在并入 {into}"),
    "hand_over_silent": ("incident {into} did not answer the hand-over in time; try the merge again",
                         "重大事件 {into} 未及时接收移交，请重新合并"),
    "hand_over_refused": ("incident {into} did not take the complaints: {said}", "重大事件 {into} 未接收这些投诉：{said}"),
}
# Refusals that no wording of a form could avoid: the case itself is not ready yet (an emergency's review, an
# open work order, the customer's information, the hour's notes). The workbench greys such a form out with the
# reason instead of offering it.
WAITS_ON_THE_CASE = frozenset({"accept_first", "work_order_open", "waiting_customer", "dual_review", "notes_per_hour",
                               "work_order_limit", "not_classified"})
# The parts of a response's script problems (`script` joins them with "; ").
SCRIPT: dict[str, tuple[str, str]] = {
    "prohibited": ("contains the prohibited phrase 「{phrase}」", "含有禁用语「{phrase}」"),
    "missing": ("misses the {part} part", "缺少「{part}」"),
}
# How a value is named in Chinese, by its name in the templates (see models/vocabulary.py).
_KINDS = {"message": "message", "stage": "stage", "stages": "stage", "department": "department",
          "own_department": "department", "status": "work_order_status", "outcome": "outcome", "role": "role",
          "part": "script_part", "incident_status": "incident_status", "why_recused": "recusal",
          "relief": "relief", "problem_status": "problem_status"}


class Reason(str):
    """A refusal: its English sentence (what the engine raises, the API answers and the log keeps), carrying
    its code and values from the rule that wrote it, so a page says it in its reader's language from the
    code, never by reading the English back."""

    code: str
    values: dict[str, str]

    def __new__(cls, code: str, values: dict[str, object]) -> "Reason":
        shown = {k: str(v) for k, v in values.items()}
        made = super().__new__(cls, REASONS[code][0].format(**shown))
        made.code, made.values = code, shown
        return made

    def __reduce__(self) -> tuple[type, tuple[str, dict[str, str]]]:  # pickled (a process pool, a cache) as what it is, not as a bare sentence
        return (Reason, (self.code, self.values))

    def carried(self) -> dict[str, object]:
        """What travels beside the sentence: in a refusal's details, a problem's extension members."""
        return {"code": self.code, "values": self.values}

    @classmethod
    def within(cls, message: str, details: "Sequence[object]") -> "Reason | None":
        """The coded reason a refusal's details carry, when it says the refusal's own sentence: details that
        do not decode, or disagree with the sentence (a client can send any), leave only the sentence."""
        try:
            coded = cls.of(details[0]) if details else None
        except Exception:  # noqa: BLE001 - details this process cannot decode
            return None
        return coded if coded is not None and coded == message else None

    @classmethod
    def of(cls, carried: object) -> "Reason | None":
        """The reason `carried` describes, or None when it is not one of ours."""
        if isinstance(carried, dict) and carried.get("code") in REASONS and isinstance(carried.get("values"), dict):
            try:
                return cls(str(carried["code"]), dict(carried["values"]))
            except (KeyError, IndexError, ValueError):
                return None
        return None


# What the audit trail says of each action, in English (the sentence the trail and the logs keep); its values
# travel beside it (`said`), so a page words the entry in its reader's language without reading it back.
ENTRY = {
    "accept": "{note}", "add_note": "{text}", "escalate": "{reason}", "approve_close": "{note}",
    "withdraw": "{reason}", "return_disposal": "{reason}", "record_disposal": "{text}",
    "open_work_order": "{wo} to {department}: {question}", "answer_work_order": "{wo}: {answer}",
    "cancel_work_order": "{wo}: {reason}", "request_customer_info": "resolution clocks paused: {what}",
    "customer_info_received": "resolution clocks resumed after {span}{sep}{note}{images}", "approve_disposal": "{n} of 2. {note}",
    "incident_notice": "{iid}: {text}", "propose_response": "response passed the script check; sending",
    "customer_feedback": "{verdict}, CSAT {csat}. {comment}",
    "reassign": "{owner}@{department} -> {new_owner}@{new_department}: {reason}",
    "extend_deadline": "regulatory decision due {due}: {reason}",
    "correct_classification": "{business_type}/{problem_nature} -> {new_type}/{new_nature}: {reason}",
    "stage": "{stage}", "received": "via {channel}",
    "analysed": "{business_type}/{problem_nature}, level {level}{emergency}, to {department} ({method})",
    "awaiting_close_approval": "{outcome}; a supervisor must approve",
    "no_feedback": "verification window ended without an answer",
    "sla_warning": "{clock} due {due}", "sla_breached": "{clock} was due {due}",
    "start_appraisal": "clocks held for {what} by {by}", "end_appraisal": "appraisal done after {span}: {result}",
    "suspected_repeat": "seems to repeat open complaint {of}", "link_repeat": "linked as a repeat of {of}. {note}",
    "new_facts": "new facts: handled on its own. {reason}",
    "approve_redress": "redress up to {amount} approved. {note}",
    "redress": "{id}: {amount} for {purpose} (approved by: {approved})",
    "codes_confirmed": "regulator's codes {codes}", "codes_corrected": "regulator's codes {codes} -> {new_codes}",
}


class Said(str):
    """An audit entry's detail: its English sentence, with its action's values kept (see ENTRY)."""

    code: str
    values: dict[str, str]

    def __new__(cls, code: str, values: dict[str, object]) -> "Said":
        shown = {k: str(v) for k, v in values.items()}
        made = super().__new__(cls, ENTRY[code].format(**shown))
        made.code, made.values = code, shown
        return made

    def __reduce__(self) -> tuple[type, tuple[str, dict[str, str]]]:
        return (Said, (self.code, self.values))


def said(action: str, **values: object) -> Said:
    return Said(action, values)


def why(code: str, **values: object) -> Reason:
    """The refusal `code` with its values: an English sentence that keeps both (see Reason)."""
    return Reason(code, values)


def script_refusal(problems: list[tuple[str, dict[str, str]]]) -> Reason:
    """A response's script problems, each (kind, values) of SCRIPT: the sentence joins their English, and the
    problems themselves travel beside it (`found`, JSON) so a page words each from its kind."""
    return why("script", problems="; ".join(SCRIPT[kind][0].format(**values) for kind, values in problems),
               found=json.dumps(problems, ensure_ascii=False))


Namer = Callable[[str, str], str]  # (kind, id) -> what a person calls it


def say(text: str, lang: str, namer: Namer) -> str:
    """A refusal in the person's language: Chinese from its code, values named; English as written. Text that
    carries no code (a validation message, an engine failure, an entry from before codes were kept) is shown
    as it is: our own English is never read back."""
    if lang == "en" or not isinstance(text, Reason):
        return str(text)
    shown = {key: _named(key, value, namer) for key, value in text.values.items()}
    if "found" in text.values:
        shown["problems"] = _script(text.values["found"], namer) or shown["problems"]
    return REASONS[text.code][1].format(**shown)


def _named(key: str, value: str, namer: Namer) -> str:
    if key == "who":
        return "或".join(namer("party", p) for p in value.split(" or "))
    if key == "stages":
        return "、".join(namer("stage", s) for s in value.split(", "))
    if key == "parts":
        return "、".join(namer("decision_part", part) for part in value.split(", "))
    return namer(_KINDS[key], value) if key in _KINDS else value


def _script(found: str, namer: Namer) -> str:
    """The script problems `script_refusal` kept, in Chinese from their kinds ("" when they do not read)."""
    try:
        return "；".join(SCRIPT[kind][1].format(**{k: _named(k, str(v), namer) for k, v in values.items()})
                        for kind, values in json.loads(found))
    except (ValueError, TypeError, KeyError, IndexError):  # carried by a client: as it came, never a failure
        return ""
