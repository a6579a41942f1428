"""The case without Temporal: the stage transitions, the clock engine and the write slices, given the time."""
from datetime import UTC, datetime, timedelta

import pytest

from delivery import templates
from models import messages as m
from models.enums import Finding, Outcome, Stage
from models.sla import Clock, ClockKind, Milestone, clock_name
from models.state import Pause, ReviewOf
from models.workflow_io import AuditEntry
from tests.actors import DECISION
from tests.test_rules import AGENT, NOW, OWNER, POLICY, case
from workflows.case import SYSTEM, TRANSITIONS, Effects, Move, record_batches
from workflows.case_messages import Case


def new_case(**changes) -> Case:
    c = Case(case(**changes), POLICY)
    c.take()
    return c


@pytest.mark.parametrize("stage, move, after", [
    (Stage.RECEIVE, Move.RECEIVED, Stage.ANALYSE), (Stage.ANALYSE, Move.ANALYSED, Stage.HANDLE),
    (Stage.HANDLE, Move.RESPONSE_PROPOSED, Stage.RESPOND), (Stage.RESPOND, Move.RESPONSE_SENT, Stage.VERIFY),
    (Stage.VERIFY, Move.NOT_SATISFIED, Stage.HANDLE), (Stage.HANDLE, Move.CLOSED, Stage.CLOSED),
    (Stage.VERIFY, Move.CLOSED, Stage.CLOSED), (Stage.RECEIVE, Move.CLOSED, Stage.CLOSED),
])
def test_the_lifecycle_moves_along_its_table(stage, move, after):
    c = new_case(stage=stage)
    c.move(move, NOW)
    out = c.take()
    assert c.s.stage is after and out.search_attributes
    assert [(e.action, e.detail) for e in out.events] == [("stage", after.value)]


@pytest.mark.parametrize("stage, move", [(Stage.HANDLE, Move.RESPONSE_SENT), (Stage.VERIFY, Move.ANALYSED),
                                         (Stage.RESPOND, Move.NOT_SATISFIED), (Stage.RECEIVE, Move.ANALYSED)])
def test_a_move_off_the_table_is_a_bug(stage, move):
    with pytest.raises(ValueError, match=f"no transition from {stage.value} on {move.value}"):
        new_case(stage=stage).move(move, NOW)


def test_a_closed_case_stays_closed():
    c = new_case(stage=Stage.CLOSED)
    c.move(Move.NOT_SATISFIED, NOW)
    assert c.s.stage is Stage.CLOSED and not c.take()
    assert len(TRANSITIONS) == 10


def test_a_clock_warns_then_breaches_with_its_effects():
    c = new_case(clocks=[])
    c.start_clock(ClockKind.RESULT, NOW, NOW + timedelta(hours=10), NOW)
    assert c.next_clock_event() == (NOW + timedelta(hours=8), "result")
    c.fire_due_clocks(NOW + timedelta(hours=7))
    assert not c.take()
    c.fire_due_clocks(NOW + timedelta(hours=8))
    out = c.take()
    assert [e.kind for e in out.sla_events] == ["warned"] and [n.template for n in out.notifications] == ["sla_warning"]
    assert c.next_clock_event() == (NOW + timedelta(hours=10), "result") and not c.s.breached
    c.fire_due_clocks(NOW + timedelta(hours=10))
    out = c.take()
    assert [e.kind for e in out.sla_events] == ["breached"] and c.s.breached and c.s.supervisor_assigned
    assert sorted(n.template for n in out.notifications) == ["progress", "sla_breach"] and out.search_attributes
    assert c.next_clock_event() is None


def test_an_overdue_work_order_tells_the_asked_departments_supervisor():
    c = new_case(clocks=[])
    c.apply("open_work_order", m.OpenWorkOrder(actor=OWNER, department="loans", question="?"), NOW,
            NOW + timedelta(hours=24))
    c.take()
    c.fire_due_clocks(NOW + timedelta(hours=24))
    out = c.take()
    assert {(n.template, n.recipient, n.params["wo"]) for n in out.notifications} == {
        ("work_order_overdue", "supervisor:loans", "WO-2"), ("work_order_overdue", "E207", "WO-2")}
    assert c.s.clock("reply:WO-2").breached_at == NOW + timedelta(hours=24)


def test_the_verification_window_closes_in_silence_or_waits_for_a_supervisor():
    for major, outcome, stage in ((False, Outcome.NO_FEEDBACK, Stage.CLOSED), (True, None, Stage.VERIFY)):
        c = new_case(clocks=[], stage=Stage.VERIFY, special_group=major)
        c.start_clock(ClockKind.VERIFY_WINDOW, NOW, NOW + timedelta(days=3), NOW)
        c.fire_due_clocks(NOW + timedelta(days=3))
        assert (c.s.outcome, c.s.stage) == (outcome, stage)
        assert c.s.pending_outcome == (Outcome.NO_FEEDBACK if major else None)
        events = [(e.action, e.detail) for e in c.take().events]
        assert events[0] == ("no_feedback", "verification window ended without an answer")
        assert events[1] == (("awaiting_close_approval", "no_feedback; a supervisor must approve") if major
                             else ("stage", "closed"))
        c.fire_due_clocks(NOW + timedelta(days=4))  # the window is stopped: it never fires twice
        assert not c.take() and c.s.clocks[0].stopped_at == NOW + timedelta(days=3)


def test_the_response_is_sent_and_verified_in_one_step():
    c = new_case(accepted=True, work_orders=[], clocks=[])
    seq = c.apply("propose_response", m.ProposeResponse(actor=OWNER, text="…", **DECISION), NOW, NOW + timedelta(days=3))
    out = c.take()
    assert c.s.stage is Stage.VERIFY and c.s.responses_sent == 1 and seq == out.events[0].seq
    assert [e.detail for e in out.events if e.action == "stage"] == ["respond", "verify"]
    assert [n.template for n in out.notifications] == ["response", "decision", "feedback_invitation"]
    assert c.s.clocks[-1].name == "verify_window" and c.s.clocks[-1].kind is ClockKind.VERIFY_WINDOW


def test_the_decision_notice_states_its_parts_and_the_review_s_last_day():
    """Order No. 3: the decision told with what was verified, its basis and reasons, and the remedies open;
    the review may be asked for within 30 days, to the end of that day in the bank's zone (18:00 in Shanghai
    on 23 November, so 24:00 on 23 December)."""
    c = new_case(accepted=True, work_orders=[], clocks=[], timezone="Asia/Shanghai")
    c.apply("propose_response", m.ProposeResponse(actor=OWNER, text="…", **DECISION), NOW, NOW + timedelta(days=3))
    notice = next(n for n in c.take().notifications if n.template == "decision")
    assert c.s.decision is not None and c.s.decision.review_by == datetime(2026, 12, 23, 16, 0, tzinfo=UTC)
    assert c.s.decision.by == OWNER.id and c.s.decision.finding is Finding.UPHELD
    for said in ("投诉成立", "给予经济补偿", DECISION["facts"], DECISION["basis"], DECISION["reasons"],
                 "2026-12-23 24:00 前申请我行上级机构核查", "调解、仲裁", "upheld, monetary relief"):
        assert said in notice.body, said
    assert notice.params["review_by"] == "2026-12-23 24:00"
    # The bank's template says it in the customer's language from the values the notice carries.
    bank = templates.load()
    english = templates.render(bank, "decision", "en", notice.params, "composed")
    assert "upheld, monetary relief" in english and "until 2026-12-23 24:00" in english and "arbitration" in english
    chinese = templates.render(bank, "decision", "zh", notice.params, "composed")
    assert "投诉成立，给予经济补偿" in chinese and DECISION["basis"] in chinese


def test_a_review_s_decision_upholds_or_revises_and_offers_no_second_review():
    review = ReviewOf(complaint_id="HL0000000000", department="loans", recused=["S777"], decided_at=NOW)
    c = new_case(accepted=True, work_orders=[], clocks=[], review_of=review)
    c.apply("propose_response", m.ProposeResponse(actor=OWNER, text="…", review="revised", **DECISION), NOW,
            NOW + timedelta(days=3))
    notice = next(n for n in c.take().notifications if n.template == "review_decision")
    assert c.s.decision is not None and c.s.decision.review_by is None
    assert "变更原处理决定" in notice.body and "HL0000000000" in notice.body and "核查" in notice.body
    assert "上级机构核查" not in notice.body  # no second review: mediation, arbitration, a court
    english = templates.render(templates.load(), "review_decision", "en", notice.params, "composed")
    assert "the decision is revised" in english and "HL0000000000" in english


def test_writes_are_sliced_so_no_activity_input_outgrows_the_server():
    entries = [AuditEntry(seq=i, at=NOW, action="add_note", actor_id="E207", actor_role="handler", stage="handle",
                          detail="x" * 10) for i in range(450)]
    c = new_case()
    c.notify("owner", "E207", "t", "body", NOW)
    batches = record_batches(c.s, Effects(events=entries, notifications=c.take().notifications))
    assert [len(b.events) for b in batches] == [200, 200, 50]
    assert [len(b.notifications) for b in batches] == [0, 0, 1] and all(b.state.history == [] for b in batches)
    heavy = [e.model_copy(update={"detail": "噪" * 2000}) for e in entries[:40]]
    assert [len(b.events) for b in record_batches(c.s, Effects(events=heavy))] == [22, 18]
    assert SYSTEM.role.value == "system"


# A scripted afternoon of one complaint, every effect written out (reviewed by hand against the policy):
# a 1 h first response and a 10 h result clock; a work order due in 2 h; the customer asked for statements
# from 0.6 h to 2.6 h (the result and the resolution clock pause, the others do not); then the clocks fire.
EVENTS = [
    ('open_work_order', 'E207', 'WO-1 to loans: q?'),
    ('request_customer_info', 'E207', 'resolution clocks paused: statements'),
    ('sla_breached', 'system', 'first response was due 2026-11-23T11:00:00+00:00'),
    ('customer_info_received', 'E207', 'resolution clocks resumed after 2:00:00'),
    ('sla_breached', 'system', 'work order reply was due 2026-11-23T12:30:00+00:00'),
    ('accept', 'E207', ''),
    ('answer_work_order', 'A501', 'WO-1: yes'),
    ('sla_breached', 'system', 'dissatisfaction resolved was due 2026-11-23T14:54:00+00:00'),
    ('sla_warning', 'system', 'result to customer due 2026-11-23T22:00:00+00:00'),
]
NOTIFICATIONS = [
    ('department', 'loans', 'work_order', 'Work order WO-1 on complaint HL0000000001, due 2026-11-23T12:30:00+00:00'),
    ('customer', 'C1', 'information_request', '为处理投诉 HL0000000001，请补充：statements / To handle HL0000000001 we need: statements'),
    ('supervisor', 'supervisor:operations', 'sla_breach', 'HL0000000001: first response breached; you are assigned (green channel)'),
    ('customer', 'C1', 'progress', '您的投诉 HL0000000001 正在由主管加急处理。A supervisor is now handling HL0000000001 with priority.'),
    ('supervisor', 'supervisor:loans', 'work_order_overdue', 'Work order WO-1 on HL0000000001 is overdue'),
    ('owner', 'E207', 'work_order_overdue', 'Work order WO-1 to loans is overdue'),
    ('owner', 'E207', 'work_order_answered', 'loans answered work order WO-1 on HL0000000001'),
    ('supervisor', 'supervisor:operations', 'sla_breach', 'HL0000000001: dissatisfaction resolved breached; you are assigned (green channel)'),
    ('customer', 'C1', 'progress', '您的投诉 HL0000000001 正在由主管加急处理。A supervisor is now handling HL0000000001 with priority.'),
    ('owner', 'E207', 'sla_warning', 'HL0000000001: result to customer due at 2026-11-23T22:00:00+00:00'),
]
SLA_EVENTS = [
    ('first_response', 'breached', '2026-11-23T11:00:00+00:00', '2026-11-23T11:00:00+00:00'),
    ('reply:WO-1', 'breached', '2026-11-23T12:36:00+00:00', '2026-11-23T12:30:00+00:00'),
    ('resolve#2', 'breached', '2026-11-23T19:54:00+00:00', '2026-11-23T14:54:00+00:00'),
    ('result', 'warned', '2026-11-23T20:30:00+00:00', '2026-11-23T22:00:00+00:00'),
]
CLOCKS = [
    ('first_response', 'first_response', 1, None, False, 'breach', '0:00:00', None, '2026-11-23T11:00:00+00:00'),
    ('result', 'result', 1, None, True, 'breach', '2:00:00', '2026-11-23T20:30:00+00:00', None),
    ('reply:WO-1', 'reply', 1, 'WO-1', False, 'breach', '0:00:00', None, '2026-11-23T12:36:00+00:00'),
    ('resolve#2', 'resolve', 2, None, True, 'breach', '1:54:00', None, '2026-11-23T19:54:00+00:00'),
]


def test_a_scripted_afternoon_leaves_exactly_these_effects():
    c = Case(case(clocks=[], work_orders=[], accepted=False), POLICY)
    c.take()

    def h(n: float):
        return NOW + timedelta(hours=n)

    c.start_clock(ClockKind.FIRST_RESPONSE, NOW, h(1), NOW)
    c.start_clock(ClockKind.RESULT, NOW, h(10), NOW)
    c.apply("open_work_order", m.OpenWorkOrder(actor=OWNER, department="loans", question="q?"), h(0.5), h(2.5))
    c.apply("request_customer_info", m.RequestCustomerInfo(actor=OWNER, what="statements"), h(0.6))
    c.start_clock(ClockKind.RESOLVE, h(0.7), h(3), h(0.7), round=2)  # started while waiting: paused at once
    c.fire_due_clocks(h(1))
    c.apply("customer_info_received", m.CustomerInfoReceived(actor=OWNER), h(2.6))
    c.fire_due_clocks(h(2.6))
    c.apply("accept", m.Accept(actor=OWNER), h(2.7))
    c.apply("answer_work_order", m.AnswerWorkOrder(actor=AGENT, work_order_id="WO-1", answer="yes"), h(2.8))
    c.fire_due_clocks(h(9.9))
    c.fire_due_clocks(h(10.5))
    out = c.take()
    assert [(e.action, e.actor_id, e.detail) for e in out.events] == EVENTS
    assert [(n.recipient_kind, n.recipient, n.template, n.body) for n in out.notifications] == NOTIFICATIONS
    assert [(e.clock, e.kind, e.at.isoformat(), e.deadline.isoformat()) for e in out.sla_events] == SLA_EVENTS
    assert [(k.name, k.kind.value, k.round, k.work_order, k.pausable, k.expiry.value, str(k.paused_for),
             k.warned_at and k.warned_at.isoformat(), k.breached_at and k.breached_at.isoformat())
            for k in c.s.clocks] == CLOCKS
    assert [e.seq for e in out.events] == list(range(1, len(EVENTS) + 1)) and c.s.history_total == len(EVENTS)


def test_a_milestone_meets_only_its_own_clocks():
    c = new_case(clocks=[], work_orders=[])
    c.start_clock(ClockKind.FIRST_RESPONSE, NOW, NOW + timedelta(hours=1), NOW)
    for wo in ("WO-1", "WO-2"):
        c.start_clock(ClockKind.REPLY, NOW, NOW + timedelta(hours=24), NOW, work_order=wo)
    c.take()
    c.meet(Milestone.WORK_ORDER_ANSWERED, NOW + timedelta(minutes=5), work_order="WO-2")
    c.meet(Milestone.ACCEPTED, NOW + timedelta(minutes=10))
    met = {k.name: k.met_at for k in c.s.clocks}
    assert met == {"first_response": NOW + timedelta(minutes=10), "reply:WO-1": None,
                   "reply:WO-2": NOW + timedelta(minutes=5)}
    assert [(e.clock, e.kind) for e in c.take().sla_events] == [("reply:WO-2", "met"), ("first_response", "met")]
    assert c.next_round(ClockKind.REPLY) == 3 and c.next_round(ClockKind.PLAN) == 1


def test_clock_names_are_keys_built_from_typed_fields():
    assert clock_name(ClockKind.PLAN) == "plan" and clock_name(ClockKind.REPLY, 1, "WO-2") == "reply:WO-2"
    assert clock_name(ClockKind.RESOLVE, 2) == "resolve#2" and clock_name(ClockKind.REPLY, 3, "WO-2") == "reply:WO-2#3"
    old = Clock.model_validate({"name": "reply:WO-2#3", "label": "x", "milestone": "work_order_answered",
                                "started_at": NOW, "due_at": NOW})
    assert (old.kind, old.round, old.work_order) == (ClockKind.REPLY, 3, "WO-2")
    assert Clock.model_validate({"name": "plan", "label": "x", "milestone": "response_sent", "started_at": NOW,
                                 "due_at": NOW}).round == 1


def test_a_clock_takes_the_policys_warning_share_and_every_start_wakes_the_shell():
    c = Case(case(clocks=[]), POLICY.model_copy(update={"warn_at": 0.5}))
    c.changes = 7
    c.start_clock(ClockKind.PLAN, NOW, NOW + timedelta(hours=10), NOW)
    assert c.changes > 7 and c.s.clocks[0].warn_time() == NOW + timedelta(hours=5)


def test_a_milestone_met_while_paused_counts_the_pause():
    c = new_case(clocks=[])
    c.start_clock(ClockKind.RESULT, NOW, NOW + timedelta(hours=10), NOW)
    c.s.clocks[0].pause(NOW + timedelta(hours=1))
    c.meet(Milestone.RESPONSE_SENT, NOW + timedelta(hours=3))
    clock = c.s.clocks[0]
    assert clock.met_at == NOW + timedelta(hours=3) and not clock.paused and clock.paused_for == timedelta(hours=2)


def test_a_paused_or_finished_clock_does_not_fire():
    c = new_case(clocks=[], pauses=[Pause(started_at=NOW, reason="x")])
    c.start_clock(ClockKind.RESULT, NOW, NOW + timedelta(hours=1), NOW)  # waiting on the customer: paused
    c.start_clock(ClockKind.FIRST_RESPONSE, NOW, NOW + timedelta(hours=1), NOW)
    c.s.clocks[1].met_at = NOW
    c.take()
    c.fire_due_clocks(NOW + timedelta(hours=5))
    assert not c.take() and all(k.breached_at is None for k in c.s.clocks)


@pytest.mark.parametrize("desk_role, becomes_owner", [("intake", True), ("handler", False)])
def test_who_accepts_a_channel_desks_complaint_becomes_its_first_responder(desk_role, becomes_owner):
    """An app complaint's first responder is the channel's desk (no person): the first employee to accept
    it takes it on. A complaint a person keyed in stays theirs whoever accepts."""
    from models.intake import Actor

    desk = Actor(id="app-desk", role=desk_role, department="app-desk")
    c = new_case(first_responder=desk, owner_id="app-desk", accepted=False)
    c.apply("accept", m.Accept(actor=AGENT), NOW)
    expected = AGENT if becomes_owner else desk
    assert (c.s.first_responder, c.s.owner_id) == (expected, expected.id)
    assert c.take().search_attributes is becomes_owner


H = timedelta(hours=1)


def test_a_wait_on_the_customer_and_an_appraisal_hold_each_its_own_clocks_to_the_minute():
    """The customer's information holds the bank's resolution clock, not the regulatory decision; an external
    appraisal holds both; overlapping, neither end lets a clock run that the other still holds."""
    c = new_case(clocks=[], work_orders=[])
    c.start_clock(ClockKind.RESULT, NOW, NOW + 10 * H, NOW)
    c.start_clock(ClockKind.DECISION, NOW, NOW + 15 * 24 * H, NOW)
    c.start_clock(ClockKind.FIRST_RESPONSE, NOW, NOW + 2 * H, NOW)
    result, decision, first = c.s.clocks
    c.apply("request_customer_info", m.RequestCustomerInfo(actor=OWNER, what="原件"), NOW + H)
    assert (result.paused, decision.paused, first.paused) == (True, False, False)
    c.apply("start_appraisal", m.StartAppraisal(actor=OWNER, what="笔迹鉴定", by="司法鉴定所"), NOW + 2 * H)
    assert (result.paused, decision.paused, first.paused) == (True, True, False)
    c.apply("customer_info_received", m.CustomerInfoReceived(actor=OWNER), NOW + 3 * H)
    assert (result.paused, decision.paused) == (True, True)  # the appraisal still holds both
    c.start_clock(ClockKind.RESOLVE, NOW + 4 * H, NOW + 28 * H, NOW + 4 * H)  # started during it: held at once
    assert c.s.clocks[-1].paused
    c.apply("end_appraisal", m.EndAppraisal(actor=OWNER, result="签名非本人"), NOW + 5 * H + timedelta(minutes=7))
    assert not any(k.paused for k in c.s.clocks)
    assert result.paused_for == 4 * H + timedelta(minutes=7)     # from the request to the appraisal's end
    assert decision.paused_for == 3 * H + timedelta(minutes=7)   # the appraisal only
    assert decision.deadline() == NOW + 15 * 24 * H + 3 * H + timedelta(minutes=7)
    assert first.paused_for == timedelta(0)
    told = [n for n in c.take().notifications if n.recipient_kind == "customer"]
    assert [n.template for n in told] == ["information_request", "appraisal_started", "appraisal_ended"]
    assert told[-1].params["due"] == "2026-12-08 13:07"  # the moved decision date, to the minute (UTC here)


@pytest.mark.parametrize("extensions, actor_id, department, limit", [
    (0, "S001", "complaints", "30d"), (1, "S900", "head-office", "60d")])
def test_each_extension_moves_the_decision_to_its_limit_from_receipt(extensions, actor_id, department, limit):
    from models.enums import Role
    from models.intake import Actor

    decision = Clock(name="decision", label="regulatory decision", milestone=Milestone.RESPONSE_SENT,
                     started_at=NOW, due_at=NOW + 15 * 24 * H, extensions=extensions)
    c = new_case(clocks=[decision], received_at=NOW)
    msg = m.ExtendDeadline(actor=Actor(id=actor_id, role=Role.SUPERVISOR, department=department), reason="复杂")
    assert c.deadline_for("extend_deadline", msg, NOW + H) == (NOW, limit)
    c.apply("extend_deadline", msg, NOW + H, NOW + int(limit[:-1]) * 24 * H)
    assert c.s.clocks[0].extensions == extensions + 1 and c.s.clocks[0].warned_at is None
    told = [n for n in c.take().notifications if n.template == "extension"]
    assert told[0].params["reason"] == "复杂"
