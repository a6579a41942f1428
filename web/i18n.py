"""The workbench's words, Chinese first (bank staff read it), English by a switch (`?lang=en`)."""
from collections.abc import Callable

from models.departments import Registry
from models.enums import Party
from models.vocabulary import name, tables
from workflows.contract import CONTRACT

ZH, EN = "zh", "en"

WORDS: dict[str, tuple[str, str]] = {
    "app": ("投诉工作台", "Complaints workbench"),
    "queue": ("我的队列", "My queue"), "review_queue": ("待我复核的处置", "Disposals awaiting my review"), "inbox": ("部门工单", "Department inbox"),
    "supervise": ("主管视图", "Supervisor"), "heatmap": ("热力图", "Heat map"),
    "dashboard": ("质量仪表盘", "Dashboard"), "lookback": ("回头看", "Look-back"),
    "sign_in": ("登录", "Sign in"), "sign_out": ("退出", "Sign out"), "user": ("工号", "Employee id"),
    "sso_sign_in": ("使用银行统一身份认证登录", "Sign in with the bank's identity provider"),
    "or_password": ("或使用本系统账号登录", "Or with an account of this system"),
    "sso_refused": ("未能登录", "Sign-in refused"), "sso_again": ("重新登录", "Sign in again"),
    "sso_no_role": ("您已通过银行统一身份认证，但您的账号没有投诉系统的角色。请联系系统管理员为您开通。",
                    "The bank's identity provider knows you, but your account has no role in the complaints "
                    "system. Ask your administrator to grant one."),
    "sso_continue": ("登录成功，正在进入工作台……", "Signed in; opening the workbench…"),
    "local_off": ("本系统账号已停用，请使用银行统一身份认证登录", "Local accounts are switched off here: sign in "
                  "with the bank's identity provider"),
    "password": ("密码", "Password"), "search": ("搜索", "Search"),
    "search_hint": ("编号、客户号、手机号或文字", "reference, customer id, phone or text"),
    "reference": ("编号", "Reference"), "stage": ("阶段", "Stage"), "level": ("级别", "Level"),
    "department": ("部门", "Department"), "owner": ("负责人", "Owner"), "customer": ("客户", "Customer"),
    "received": ("受理时间", "Received"), "nearest": ("最近时限", "Nearest deadline"),
    "time_left": ("剩余", "Time left"), "overdue": ("已超时", "overdue"), "paused": ("已暂停", "paused"),
    "emergency": ("紧急", "emergency"), "breached": ("已超时限", "breached"),
    "awaiting_review": ("待双人复核", "awaiting review"), "awaiting_close": ("待批准结案", "awaiting close"),
    "waiting_customer": ("等待客户", "waiting on customer"), "special": ("专班", "special group"),
    "text": ("投诉内容", "Complaint"),
    "customer_images": ("客户在本人页面提交的图片", "Images the customer sent on their page"), "classification": ("分类", "Classification"),
    "problems": ("问题整改", "Problems"), "problem": ("问题", "Problem"), "problems_live": ("进行中的问题", "Problems open"),
    "actions_overdue": ("逾期整改措施", "Corrective actions overdue"), "plans_breached": ("整改计划超时", "Plans overdue"),
    "effective_share": ("整改有效率", "Share effective"), "open_problem": ("发起问题整改", "Open a problem"),
    "problem_title": ("问题描述", "What the problem is"), "problem_source": ("来源", "Source"),
    "problem_source_ref": ("来源编号（周次、事件、月份）", "Source reference (week, incident, month)"),
    "problem_pattern": ("涉及的投诉（条件）", "The complaints it explains"), "plan_due": ("整改计划期限", "Plan due"),
    "plan_submitted": ("整改计划已提交", "plan submitted"), "problem_cause": ("根因", "Root cause"),
    "surface_fix": ("表面整改（整改无效）", "A fix on the surface (not effective)"), "reopened": ("重新整改", "reopened"),
    "actions_title": ("整改措施", "Corrective actions"), "action_what": ("措施", "Action"),
    "action_due": ("完成期限", "Due"), "action_done": ("已完成", "done by"), "action_open": ("进行中", "open"),
    "action_which": ("整改措施", "Action"), "action_done_note": ("完成情况", "What was done"),
    "cause_note": ("根因说明", "Why (the evidence)"), "warned": ("即将到期", "due soon"),
    "checks_title": ("整改效果评估", "Effect checks"), "check_days": ("完成后天数", "Days after"),
    "check_before": ("整改前（件/天数）", "Before (complaints/days)"), "check_after": ("整改后（件/天数）", "After (complaints/days)"),
    "check_ratio": ("投诉率之比", "Rate ratio"), "check_verdict": ("结论", "Verdict"),
    "linked_title": ("关联投诉", "Complaints it explains"), "offered_title": ("新出现的同类投诉", "New complaints that match"),
    "problem.set_root_cause": ("确定根因", "Set the root cause"), "problem.add_action": ("添加整改措施", "Add a corrective action"),
    "problem.complete_action": ("完成整改措施", "Complete an action"), "problem.submit_plan": ("提交整改计划", "Submit the plan"),
    "problem.link": ("关联投诉", "Link complaints"), "problem.close": ("关闭问题", "Close the problem"),
    "problem_event.opened": ("发起", "opened"), "problem_event.set_root_cause": ("确定根因", "root cause set"),
    "problem_event.add_action": ("添加整改措施", "action added"), "problem_event.submit_plan": ("提交整改计划", "plan submitted"),
    "problem_event.complete_action": ("完成整改措施", "action done"), "problem_event.actions_done": ("措施全部完成，开始评估", "all actions done: measuring"),
    "problem_event.measured": ("效果评估", "effect measured"), "problem_event.reopened": ("整改无效，重新整改", "not effective: reopened"),
    "problem_event.plan_breached": ("整改计划超时", "plan overdue"), "problem_event.action_breached": ("整改措施逾期", "action overdue"),
    "problem_event.link": ("关联投诉", "complaints linked"), "problem_event.close": ("关闭", "closed"),
    "disclosure": ("年度投诉情况披露", "Annual complaints disclosure"),
    "disclosure_page": ("查看披露页面（与上年比较）", "The disclosure page (beside the year before)"),
    "returns": ("监管报表", "Returns"), "returns_title": ("投诉统计季报", "Quarterly complaint statistics return"),
    "quarter": ("季度", "Quarter"), "download": ("下载", "Download"), "returns_cells": ("按编码与承办机构统计", "By code and branch"),
    "return_received": ("受理投诉", "Complaints received"), "return_unconfirmed": ("其中编码待确认", "of which codes not yet confirmed"),
    "return_decided": ("作出处理决定", "Decided"), "return_buckets": ("15/30/60日内及以上：", "within 15/30/60 days and later:"),
    "return_upheld_share": ("投诉成立率（含部分成立）", "Upheld (in full or in part)"),
    "return_reviews": ("核查申请", "Reviews asked for"), "return_revised": ("其中变更原决定", "of which revised"),
    "return_redress": ("赔付（笔数 · 金额）", "Redress (lines · amount)"),
    "codes": ("监管分类编码", "Regulator's codes"), "codes_confirmed": ("已确认", "confirmed by"),
    "codes_proposed": ("系统建议，待处理决定确认", "proposed; the decision confirms them"),
    "proposed": ("系统建议", "proposed"), "no_words": ("未匹配到关键词，取默认值", "no word matched: the default"),
    "redress_amount": ("赔付金额（经济补偿时必填）", "Redress amount (with monetary relief)"),
    "redress_currency": ("币种", "Currency"), "redress_for": ("赔付用途", "What the money is for"),
    "amount": ("审批金额上限", "Approved up to"), "currency": ("币种", "Currency"),
    "channel_code": ("业务办理渠道（JR/T 0169）", "Channel (JR/T 0169)"),
    "business_code": ("业务类别（JR/T 0169）", "Business category (JR/T 0169)"),
    "reason_code": ("投诉原因（JR/T 0169）", "Complaint reason (JR/T 0169)"),
    "why": ("依据", "Why"), "confidence": ("置信度", "confidence"), "method": ("方法", "method"),
    "clocks": ("时限", "SLA clocks"), "deadline": ("截止", "Deadline"), "status": ("状态", "Status"),
    "timeline": ("处理记录", "Timeline"), "work_orders": ("工单", "Work orders"), "notes": ("备注", "Notes"),
    "actions": ("可执行操作", "Actions you may take now"), "no_actions": ("您现在没有可执行的操作。",
                                                                    "There is nothing you may do here now."),
    "send": ("提交", "Send"), "question": ("问题", "Question"), "answer": ("答复", "Answer"),
    "reason": ("原因", "Reason"), "note": ("备注", "Note"), "due": ("时限（如 24h）", "Due (e.g. 24h)"),
    "to_department": ("发往部门", "To department"), "response": ("回复客户", "Response to the customer"),
    "script": ("话术检查", "Script check"), "present": ("已包含", "present"), "missing": ("缺少", "missing"),
    "prohibited": ("禁用语", "prohibited phrase"), "unmask": ("查看明文（将记录审计）", "Show in clear (audited)"),
    "refused": ("未执行", "Refused"), "done": ("已执行", "Done"), "none": ("无", "none"),
    "approvals": ("待审批", "Approvals waiting"), "count": ("数量", "Count"), "all": ("全部", "all"),
    "filter": ("筛选", "Filter"), "clear_filter": ("清除筛选", "clear the filter"), "export": ("导出 CSV", "Export CSV"), "month": ("月份", "Month"),
    "week": ("周", "Week"), "sampled": ("抽样", "sampled"), "outcome": ("结果", "Outcome"),
    "open": ("打开", "Open"), "times_in": ("时间均为", "Times in"), "language": ("English", "中文"),
    "wrong_login": ("工号或密码错误", "Wrong user name or password"),
    "messages": ("消息", "Messages"),
    "lookback_not_started": ("本月的回头看尚未开始。", "This month's look-back has not started."),
    "lookback_start": ("开始回头看", "Start the look-back of"),
    "lookback_not_ended": ("这个月还没有结束：回头看在下月第一个工作日开始。",
                           "This month has not ended: its look-back starts on the next month's first working day."),
    "lookback_by_supervisor": ("回头看由主管开始（或在每月第一个工作日自动开始）。",
                               "A supervisor starts it (or the schedule does, on the month's first working day)."),
    "revisit.confirmed_resolved": ("确认已解决", "confirmed resolved"), "revisit.recurred": ("问题复发", "recurred"),
    "revisit.unreachable": ("未能联系", "unreachable"),
    "ended": ("流程外终止（对账发现）", "Ended outside the lifecycle (reconciliation)"),
    "signed_in_as": ("当前用户", "Signed in as"), "empty": ("暂无", "Nothing here"),
    "conversation": ("与客户的沟通", "Conversation with the customer"),
    "to_customer": ("发给客户", "To the customer"), "from_customer": ("客户评价", "From the customer"),
    "delivered": ("已送达", "delivered"), "sending": ("发送中", "sending"), "undelivered": ("未能送达", "not delivered"),
    "satisfied": ("满意", "satisfied"), "not_satisfied": ("不满意", "not satisfied"),
    "came_back": ("客户不满意退回", "came back: customer not satisfied"),
    "heatmap_title": ("服务问题热力图", "Complaint heat map"), "dashboard_title": ("服务质量仪表盘", "Service quality dashboard"),
    "period": ("期间", "Period"), "total": ("投诉总数", "complaints"), "frequent": ("最高频", "Most frequent"),
    "high_risk": ("高风险", "High risk"), "period_empty": ("这一期间没有投诉。", "This period has no complaints."),
    "latest_with_data": ("查看有投诉的最近一期：", "See the latest period with complaints:"),
    "click_cell": ("点击格子列出其中的投诉", "click a cell to list its complaints"),
    "disposal": ("处置记录", "Disposal"), "disposal_none": ("尚未记录处置措施", "no disposal recorded yet"),
    "approvals_given": ("复核同意", "approvals"), "returned": ("复核退回", "Returned by the reviewer"),
    "not_yet": ("现在还不能办理", "not possible yet"),
    # Punctuation around a name: full-width in Chinese.
    "lp": ("（", " ("), "rp": ("）", ")"), "colon": ("：", ": "), "comma": ("，", ", "),
    "incidents": ("重大事件", "Major incidents"), "part_of_incident": ("属于重大事件", "Part of major incident"), "incident": ("重大事件", "Incident"),
    "found_by": ("发现方式", "Found by"), "linked_complaints": ("关联投诉", "linked complaints"),
    "shared_words": ("共同词语", "words they share"), "plans": ("已公告的处置方案", "Plans announced"),
    "proposed_sent": ("已按事件处理结果回复", "response sent from the incident"),
    "telling": ("正在告知关联投诉", "being told to the linked complaints"),
    "records": ("记录保存", "Records"),
    "records_kept": ("结案后保存 {retention}，期满删除客户个人信息（统计数据保留）",
                     "kept {retention} after closing, then the customer's personal data is erased (figures stay)"),
    "records_held": ("法律保全中，期满也不删除", "Legal hold: kept past retention"),
    "records_reason": ("保全原因（诉讼、监管调查等）", "Why (litigation, a regulator's inquiry…)"),
    "records_hold": ("设置法律保全", "Place a legal hold"), "records_release": ("解除法律保全", "Lift the legal hold"),
    "records_placed": ("已设置法律保全", "Legal hold placed"), "records_lifted": ("已解除法律保全", "Legal hold lifted"),
    "records_erased": ("客户个人信息已按保存期限删除", "The customer's personal data was erased past retention"),
    "incident.confirm": ("确认为重大事件", "Confirm"), "incident.dismiss": ("排除（说明原因）", "Dismiss with a reason"),
    "incident.link": ("关联投诉", "Link a complaint"), "incident.unlink": ("取消关联", "Unlink a complaint"),
    "incident.publish_plan": ("公告处置方案", "Announce the plan"), "incident.resolve": ("事件已解决，回复客户", "Resolve and respond"),
    "incident.opened": ("发现", "found"), "incident.linked": ("自动关联", "linked"), "incident.breached": ("超时", "deadline missed"),
    "incident.merge": ("并入另一重大事件", "Merge into another incident"),
    "incident.split": ("拆分出新的重大事件", "Split off a new incident"), "incident.absorb": ("并入", "merged in"),
    "incident_field.into": ("并入的重大事件编号", "Incident to merge into"),
    "incident_field.complaint_ids": ("拆分出去的投诉", "Complaints that leave"),
    "incident_field.note": ("说明", "Note"), "incident_field.reason": ("原因", "Reason"),
    "incident_field.complaint_id": ("投诉编号", "Complaint reference"), "incident_field.zh": ("方案（中文）", "Plan (Chinese)"),
    "incident_field.en": ("方案（英文，可选）", "Plan (English, optional)"),
    "incident_field.text": ("给每位客户的回复（致歉、核实、方案、回访）", "Response to each customer (apology, facts, solution, follow-up)"),
    "elderly": ("老年客户", "elderly customer"), "minutes": ("分钟", "min"), "csat": ("评分", "CSAT"),
    "bank_time": ("北京时间", "bank time"), "skip": ("跳到正文", "Skip to content"),
    # Form fields, by message where one name means different things.
    "propose_response.text": ("回复客户（致歉、核实、方案、回访）", "Response (apology, facts, solution, follow-up)"),
    "add_note.text": ("备注", "Note"), "record_disposal.text": ("处置措施（如：已冻结卡片、已拦截交易）", "What was done (card frozen, transactions stopped…)"),
    "return_disposal.reason": ("退回原因：还缺什么、哪里不对", "Why it goes back: what is missing or wrong"), "what": ("请客户补充的材料", "What the customer should send"),
    "start_appraisal.what": ("鉴定、检测或评估的内容", "What is appraised, tested or assessed"),
    "by": ("承担的外部机构", "The outside body doing it"), "result": ("鉴定结果", "Its result"),
    "work_order_id": ("工单", "Work order"), "owner_id": ("新负责人工号", "New owner's id"),
    "business_type": ("业务类型", "Business type"), "problem_nature": ("问题性质", "Problem nature"),
    # The decision notice's parts (Order No. 3), beside the response's text.
    "finding": ("投诉是否成立", "Finding"), "relief": ("补救方式", "Relief"),
    "facts": ("核实情况", "What was verified"), "basis": ("处理依据（制度、合同条款或法规）", "Basis (rules, terms, law)"),
    "reasons": ("处理理由", "Reasons"), "review": ("核查结论", "Review outcome"),
    "decision": ("处理决定", "Decision"), "decided": ("作出决定", "Decided"),
    "review_by": ("客户可申请核查至", "The customer may ask for a review until"),
    "review_of": ("核查", "Review"), "review_of_text": ("本投诉为客户对以下投诉处理决定的核查申请：", "This is the customer's review of the decision on "),
    "recused": ("回避", "Recused"), "review_reason": ("客户的核查理由（代客户申请）", "Why the customer asks for a review (keyed in for them)"),
    "ask_review": ("代客户申请核查", "Ask for a review for the customer"),
    "suspected": ("疑似重复", "offered as a repeat"), "of": ("与以下未结投诉为同一事项", "The open complaint it repeats"),
    "repeat_suspected": ("疑似重复投诉，与未结投诉为同一事项", "Seems to repeat the open complaint"),
    "repeat_linked": ("已作为重复投诉合并处理，时限以该投诉为准", "Linked as a repeat of, and handled on the clock of"),
    "new_facts.reason": ("新的事实或理由", "The new facts or reasons"),
    "referral": ("监管转办", "Regulator's referral"), "referral_ref": ("转办编号", "Reference"),
    "referral_due": ("要求报告日期", "Report due"), "referral_prepared": ("报告已生成", "Report prepared"),
    "referral_approved": ("审批", "Approved"), "referral_sent": ("已报送", "Sent"),
    "referral_pdf": ("查看报告（PDF）", "The report (PDF)"), "referral_focus": ("争议焦点", "The dispute's focus"),
    "referral_prepare": ("生成报告", "Prepare the report"), "referral_approve": ("审批报告", "Approve the report"),
    "referral_none": ("无转办编号，无需报告", "No referral reference: no report back"),
    "referral_done_prepared": ("报告已生成，待主管审批", "Report prepared; a supervisor approves it"),
    "referral_done_approved": ("报告已审批", "Report approved"), "referral_done_sent": ("已记录报送", "Recorded as sent"),
    "referral_via": ("报送方式", "Sent how"), "referral_mark_sent": ("记录已报送", "Record it as sent"),
    "reviewed_in": ("客户已申请核查", "The customer asked for a review"),
    "review_started": ("已代客户申请核查，由以下机构核查", "Review asked for; it is reviewed by"),
}

# What a person calls each message: its declaration's names (workflows/contract.py).
MESSAGE_NAMES: dict[str, tuple[str, str]] = {key: d.names for key, d in CONTRACT.items()}

Namer = Callable[[str, str], str]


def namer(lang: str, registry: Registry) -> Namer:
    """(kind, id) -> what a person reading `lang` calls it: the vocabulary, the registry, the contract."""
    i = 1 if lang == EN else 0

    def named(kind: str, key: str) -> str:
        if kind == "department":
            return registry.name(key, lang)
        if kind == "message":  # a complaint's message, else an incident's
            found = MESSAGE_NAMES.get(key) or WORDS.get(f"incident.{key}")
            return found[i] if found else key
        if kind == "party":  # a party is written by its description (models.enums.Party)
            key = next((p.name.lower() for p in Party if p.value == key), key)
        return name(kind, key, lang)
    return named


def words(lang: str) -> dict[str, str]:
    i = 1 if lang == EN else 0
    table = {k: v[i] for k, v in WORDS.items()}
    table.update({f"msg.{k}": v[i] for k, v in MESSAGE_NAMES.items()})
    table.update({f"stage.{k}": name("stage", k, lang) for k in tables()["stage"]})
    table.update({f"template.{k}": name("template", k, lang) for k in tables()["template"]})
    return table


def chart_names(lang: str, registry: Registry) -> dict[str, dict[str, str]]:
    """The names a chart's axes, legends and tooltips need, for the page's script (it has no other source)."""
    i = 1 if lang == EN else 0
    out = {kind: {key: pair[i] for key, pair in tables()[kind].items()}
           for kind in ("business_type", "problem_nature", "tier", "channel", "level", "figure")}
    out["department"] = {d.id: d.name(lang) for d in registry.departments}
    return out
