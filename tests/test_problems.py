"""Problems and corrective actions (溯源整改): the effect rule and the message rules as tables, then a problem
worked through the API on a real server, and its clocks and effect checks with the dev server's time
skipping (the plan's 3 working days, 30/60/90 days after its actions)."""
import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlmodel import Session

from models.intake import Actor, workflow_id_for
from models.problems import (
    AddAction,
    CloseProblem,
    CompleteAction,
    LinkComplaints,
    Pattern,
    ProblemState,
    SetRootCause,
    Status,
    SubmitPlan,
)
from models.tables import ComplaintRow, Notification, ProblemActionRow, ProblemLink, ProblemRow
from problems.effect import Verdict, judge
from tests.conftest import eventually, rows
from workflows.problem_rules import problem_refusal


@pytest.mark.parametrize("before, before_days, after, after_days, verdict", [
    (90, 90, 10, 30, Verdict.EFFECTIVE),        # 1 a day to 1 in 3 days
    (90, 90, 30, 30, Verdict.NOT_EFFECTIVE),    # unchanged
    (90, 90, 40, 30, Verdict.NOT_EFFECTIVE),    # worse
    (90, 90, 22, 30, Verdict.TOO_FEW),          # fell a little: neither test is sure
    (4, 90, 0, 30, Verdict.TOO_FEW),            # fewer than 10 in all
    (0, 90, 12, 30, Verdict.NOT_EFFECTIVE),     # nothing before, complaints after: not a fix
    (900, 90, 250, 30, Verdict.NOT_EFFECTIVE),  # a fall of 17%: below the material 20%, short of a half
    (900, 90, 200, 30, Verdict.EFFECTIVE),      # a fall of 33%, large counts: effective (short of a half, too)
    (10, 90, 0, 90, Verdict.EFFECTIVE),         # ten in all is enough to tell
    (9, 90, 0, 90, Verdict.TOO_FEW),            # nine is not
    (0, 90, 0, 30, Verdict.TOO_FEW),            # nothing at all
    (10, 1, 0, 1, Verdict.EFFECTIVE),           # a window of a day is a window
])
def test_the_effect_is_judged_by_exact_tests_on_the_counts(before, before_days, after, after_days, verdict):
    e = judge(before, before_days, after, after_days)
    assert e.verdict is verdict, e
    assert (e.before, e.before_days, e.after, e.after_days) == (before, before_days, after, after_days)
    assert e.ratio == (None if before == 0 else pytest.approx((after / after_days) / (before / before_days)))
    # The two p-values, summed here term by term from the binomial (not through scipy, as the rule does).
    assert e.p_fell == pytest.approx(_binomial(before + after, 0.8, before_days, after_days, range(0, after + 1)))
    assert e.p_short == pytest.approx(_binomial(before + after, 0.5, before_days, after_days,
                                                range(after, before + after + 1)))


def _binomial(n: int, rho: float, before_days: float, after_days: float, ks: range) -> float:
    """P(X in ks) for X ~ Binomial(n, p), p the share of complaints after under rate ratio rho."""
    from math import exp, lgamma, log

    p = rho * after_days / (before_days + rho * after_days)
    return 1.0 if n == 0 else sum(exp(lgamma(n + 1) - lgamma(k + 1) - lgamma(n - k + 1) + k * log(p)
                                      + (n - k) * log(1 - p)) for k in ks)


@pytest.mark.parametrize("args", [(-1, 90, 0, 30), (1, 90, -1, 30), (1, 0, 0, 30), (1, 90, 0, 0), (1, -5, 0, 30)])
def test_a_window_without_days_or_a_negative_count_is_a_bug(args):
    with pytest.raises(ValueError, match="counts are never negative and windows are never empty"):
        judge(*args)


SUP = Actor(id="S001", role="supervisor", department="complaints")
AGENT = Actor(id="A601", role="department_agent", department="loans")
OTHER = Actor(id="A777", role="department_agent", department="cards")
NOW = datetime(2026, 12, 7, 2, 0, tzinfo=UTC)
TODAY = date(2026, 12, 7)


def _state(**kw) -> ProblemState:
    base = dict(problem_id="PRB-20261207-abcdef", title="t", source="manual", pattern=Pattern(business_type="loans"),
                opened_by="S001", opened_at=NOW, timezone="Asia/Shanghai", plan_from=NOW,
                plan_due=NOW + timedelta(days=3))
    return ProblemState(**{**base, **kw})


def _action(done=False) -> dict:
    return {"id": "A1", "what": "fix", "department": "loans", "due": TODAY, "added_by": "S001", "added_at": NOW,
            "done_at": NOW if done else None}


@pytest.mark.parametrize("name, msg, state, refused", [
    ("set_root_cause", SetRootCause(actor=SUP, code="process", note="x"), {}, None),
    ("set_root_cause", SetRootCause(actor=AGENT, code="process", note="x"), {}, "not_yours"),
    ("set_root_cause", SetRootCause(actor=SUP, code="weather", note="x"), {}, "unknown_cause"),
    ("add_action", AddAction(actor=SUP, what="x", department="loans", due=TODAY), {}, None),
    ("add_action", AddAction(actor=SUP, what="x", department="loans", due=TODAY - timedelta(days=1)), {},
     "action_due_past"),
    ("submit_plan", SubmitPlan(actor=SUP), {}, "plan_incomplete"),
    ("submit_plan", SubmitPlan(actor=SUP), {"root_cause": "process"}, "plan_incomplete"),
    ("submit_plan", SubmitPlan(actor=SUP), {"root_cause": "process", "actions": [_action()]}, None),
    ("submit_plan", SubmitPlan(actor=SUP), {"root_cause": "process", "actions": [_action()], "status": "planned",
                                           "planned_at": NOW}, "plan_submitted"),
    ("complete_action", CompleteAction(actor=AGENT, action_id="A1", note="done"), {"actions": [_action()]},
     "plan_first"),
    ("complete_action", CompleteAction(actor=AGENT, action_id="A1", note="done"),
     {"actions": [_action()], "status": "planned"}, None),
    ("complete_action", CompleteAction(actor=OTHER, action_id="A1", note="done"),
     {"actions": [_action()], "status": "planned"}, "not_yours"),
    ("complete_action", CompleteAction(actor=SUP, action_id="A2", note="done"),
     {"actions": [_action()], "status": "planned"}, "no_action"),
    ("complete_action", CompleteAction(actor=SUP, action_id="A1", note="done"),
     {"actions": [_action(done=True)], "status": "planned"}, "action_done"),
    ("add_action", AddAction(actor=SUP, what="x", department="loans", due=TODAY), {"status": "effective"},
     "problem_over"),
])
def test_who_may_do_what_to_a_problem_and_when(name, msg, state, refused):
    said = problem_refusal(name, msg, _state(**state), ["process", "system"], TODAY)
    assert (said is None) if refused is None else (said is not None and said.code == refused), said


@pytest.mark.parametrize("name, msg, state, sentence", [
    ("set_root_cause", SetRootCause(actor=AGENT, code="process", note="x"), {},
     "set_root_cause is for supervisor; A601 (department_agent, loans) is not"),
    ("complete_action", CompleteAction(actor=OTHER, action_id="A1", note="done"),
     {"actions": [_action()], "status": "planned"},
     "complete_action is for supervisor or loans; A777 (department_agent, cards) is not"),
    ("add_action", AddAction(actor=SUP, what="x", department="loans", due=TODAY), {"status": "closed"},
     "problem PRB-20261207-abcdef is closed: it takes no more messages"),
    ("set_root_cause", SetRootCause(actor=SUP, code="weather", note="x"), {},
     "root cause 'weather' is not in the bank's table; one of: process, system"),
    ("add_action", AddAction(actor=SUP, what="x", department="loans", due=TODAY),
     {"actions": [{**_action(), "id": f"A{i}"} for i in range(1, 21)]}, "a problem has at most 20 corrective actions"),
    ("add_action", AddAction(actor=SUP, what="x", department="loans", due=date(2026, 12, 6)), {},
     "an action's due date is today or later, not 2026-12-06"),
    ("submit_plan", SubmitPlan(actor=SUP), {"root_cause": "process", "actions": [_action()], "status": "measuring"},
     "the improvement plan is already submitted"),
    ("complete_action", CompleteAction(actor=SUP, action_id="A2", note="done"),
     {"actions": [_action()], "status": "planned"}, "no corrective action A2 (known: A1)"),
    ("complete_action", CompleteAction(actor=SUP, action_id="A2", note="done"), {"status": "planned"},
     "no corrective action A2 (known: none)"),
    ("complete_action", CompleteAction(actor=SUP, action_id="A2", note="done"),
     {"actions": [_action(), {**_action(), "id": "A3"}], "status": "planned"}, "no corrective action A2 (known: A1, A3)"),
    ("complete_action", CompleteAction(actor=SUP, action_id="A1", note="done"),
     {"actions": [_action(done=True)], "status": "planned"}, "corrective action A1 is already done"),
    ("link", LinkComplaints(actor=SUP, complaint_ids=["HL0000000001"]), {"linked": [f"HL{i:010d}" for i in range(500)]},
     "a problem names at most 500 complaints"),
    ("link", LinkComplaints(actor=SUP, complaint_ids=["HL0000000001"]), {"linked": [f"HL{i:010d}" for i in range(499)]},
     None),
    ("close", CloseProblem(actor=SUP, reason="x"), {"linked": [f"HL{i:010d}" for i in range(500)]}, None),
])
def test_each_refusal_says_what_and_whose(name, msg, state, sentence):
    said = problem_refusal(name, msg, _state(**state), ["process", "system"], TODAY)
    assert (said is None) if sentence is None else str(said) == sentence, said


def _seed(engine, business_type: str, received: list[datetime]) -> list[str]:
    ids = []
    with Session(engine) as session:
        for at in received:
            cid = f"PB{uuid.uuid4().int % 10**10:010d}"
            ids.append(cid)
            session.add(ComplaintRow(id=cid, workflow_id=workflow_id_for(cid), channel="app", external_ref=cid,
                                     customer_id="sealed", customer_masked="王*", tier="standard", text="sealed",
                                     received_at=at, first_responder_id="E1", owner_id="E1", department="loans",
                                     stage="closed", business_type=business_type, problem_nature="fees_charges"))
        session.commit()
    return ids


async def test_a_problem_opened_planned_done_and_linked_through_the_api(api, engine):
    kind = f"bt{uuid.uuid4().hex[:8]}"  # a pattern of this test's own
    seeded = _seed(engine, kind, [datetime.now(UTC) + timedelta(minutes=1)])
    body = {"title": "房贷提前还款违约金说明不清", "source": "heatmap", "source_ref": "2026-W49",
            "pattern": {"business_type": kind}, "complaint_ids": []}
    async with api.http() as h:
        sup = await api.as_("S001")
        key = {"Idempotency-Key": f"open-{uuid.uuid4().hex}"}
        r = await h.post("/v1/problems", json=body, headers={**sup, **key})
        assert r.status_code == 201, r.text
        pid = r.json()["problem_id"]
        again = await h.post("/v1/problems", json=body, headers={**sup, **key})  # the answer lost: sent again
        assert again.status_code == 200 and again.json() == {"problem_id": pid, "created": False}
        r = await h.post("/v1/problems", json={**body, "pattern": {}}, headers=sup)
        assert r.status_code == 422 and "at least one of" in r.text
        assert (await h.post("/v1/problems", json=body, headers=await api.as_("E207"))).status_code == 403

        live = (await h.get(f"/v1/problems/{pid}", headers=sup)).json()
        assert live["state"]["status"] == "open" and live["offered"] == seeded

        async def send(who, name, **fields):
            return await h.post(f"/v1/problems/{pid}/{name}", json=fields, headers=await api.as_(who))

        r = await send("A601", "set_root_cause", code="process", note="x")
        assert r.status_code == 403 and r.json()["code"] == "not_yours"
        assert (await send("S001", "set_root_cause", code="weather", note="x")).json()["code"] == "unknown_cause"
        assert (await send("S001", "submit_plan")).json()["code"] == "plan_incomplete"
        assert (await send("S001", "set_root_cause", code="disclosure", note="违约金条款未提示")).status_code == 200
        due = (datetime.now(UTC) + timedelta(days=10)).date().isoformat()
        r = await send("S001", "add_action", what="修改提前还款告知书并培训柜员", department="loans", due=due)
        assert r.status_code == 200 and r.json()["actions"][0]["id"] == "A1"
        assert (await send("A601", "complete_action", action_id="A1", note="done")).json()["code"] == "plan_first"
        assert (await send("S001", "submit_plan", note="计划")).json()["status"] == "planned"
        assert (await send("S001", "link", complaint_ids=seeded)).json()["linked"] == seeded
        r = await send("A601", "complete_action", action_id="A1", note="告知书已修订，柜员已培训")
        assert r.status_code == 200 and r.json()["status"] == "measuring" and r.json()["done_at"]

        listed = (await h.get("/v1/problems", headers=await api.as_("A601"))).json()
        assert any(p["id"] == pid for p in listed)
    await eventually(lambda: [p.status for p in rows(engine, ProblemRow, id=pid)] == ["measuring"])
    assert [(a.department, a.done_at is not None) for a in rows(engine, ProblemActionRow, problem_id=pid)] == \
        [("loans", True)]
    assert [link.complaint_id for link in rows(engine, ProblemLink, problem_id=pid)] == seeded
    told = {n.template for n in rows(engine, Notification, complaint_id=pid)}
    assert "problem_action" in told  # the owner department was told of its action


@pytest.fixture(scope="module")
async def skipping(settings, engine):
    from temporalio.testing import TimeSkippingConfig, WorkflowEnvironment

    from complaints.temporal import data_converter, ensure_search_attributes
    from tests.conftest import temporal_binary
    from workers.worker import build_worker

    env = await WorkflowEnvironment.start_time_skipping_v2(
        ts_config=TimeSkippingConfig(enabled=False), dev_server_existing_path=temporal_binary(),
        dev_server_extra_args=["--dynamic-config-value", "frontend.WorkflowTimeSkippingEnabled=true"],
        data_converter=data_converter(settings), dev_server_log_level="error")
    await ensure_search_attributes(env.client, "default")
    worker = build_worker(env.client, settings.model_copy(update={"task_queue": "problems-skip"}), engine)
    async with worker:
        yield env
    await env.shutdown()


async def test_the_plan_s_clock_breaches_and_a_fix_that_did_not_lower_complaints_reopens(skipping, settings, engine):
    """Three working days without a plan: warned, then breached, a supervisor told. Then a fix whose
    pattern's complaints kept coming: at 30 and 60 days interim verdicts, at 90 not effective: reopened, the
    action's department flagged for a fix on the surface."""
    from api import improvement
    from models.problems import OpenProblem

    env = skipping
    kind = f"bt{uuid.uuid4().hex[:8]}"
    now = datetime.now(UTC)
    _seed(engine, kind, [now - timedelta(days=d) for d in range(1, 90, 3)])          # 30 in the 90 days before
    _seed(engine, kind, [now + timedelta(hours=2, days=d) for d in range(0, 120, 3)])  # and as many after
    policy = settings.policy()

    async def opened() -> str:
        got = await improvement.open_problem(env.client, OpenProblem(title="t", pattern=Pattern(business_type=kind)),
                                             "S001", policy, "problems-skip", None, datetime.now(UTC))
        return got.problem_id

    # Each problem's clock is skipped on its own: a message carries a seal fresh for 15 minutes of its
    # workflow's time, so one problem's plan is left to breach and another is worked, then skipped.
    late = await opened()
    s = await improvement.state(env.client, late)
    assert s.plan_due - s.opened_at >= timedelta(days=3)  # three working days
    await env.fast_forward(env.client.get_workflow_handle(late), s.plan_due - datetime.now(UTC) + timedelta(minutes=1))
    s = await eventually(lambda: _when(env.client, late, lambda x: x.plan_breached))
    assert s.plan_warned and [e.action for e in s.history].count("plan_breached") == 1
    await eventually(lambda: {n.template for n in rows(engine, Notification, complaint_id=late)} >=
                     {"problem_plan_warning", "problem_plan_breached"})

    pid = await opened()
    handle = env.client.get_workflow_handle(pid)
    for name, msg in (("set_root_cause", SetRootCause(actor=SUP, code="process", note="流程")),
                      ("add_action", AddAction(actor=SUP, what="改流程", department="loans",
                                               due=(datetime.now(UTC) + timedelta(days=5)).date())),
                      ("submit_plan", SubmitPlan(actor=SUP)),
                      ("complete_action", CompleteAction(actor=AGENT, action_id="A1", note="done"))):
        s = await improvement.update(env.client, pid, name, msg)
    assert s.status is Status.MEASURING and s.done_at is not None
    # The checks run 30, 60 and 90 days after the actions were done (the skip passes all three: the server
    # skips on from each timer to the next); each is in the history, the last decides.
    await env.fast_forward(handle, s.done_at + timedelta(days=90, minutes=1) - datetime.now(UTC))
    got = await eventually(lambda: _when(env.client, pid, lambda x: x.reopened > 0))
    measured = [e.detail.split(",")[0] for e in got.history if e.action == "measured"]
    assert measured[:2] in (["30 days: not_effective", "60 days: not_effective"],
                            ["30 days: too_few", "60 days: not_effective"], ["30 days: too_few", "60 days: too_few"],
                            ["30 days: not_effective", "60 days: too_few"]), measured
    assert measured[2] == "90 days: not_effective"
    assert got.reopened == 1 and got.status is Status.OPEN and got.surface_fix == ["loans"] and got.checks == []
    assert got.planned_at is None and got.plan_due > datetime.now(UTC) - timedelta(minutes=5)
    await eventually(lambda: {n.template for n in rows(engine, Notification, complaint_id=pid)} >=
                     {"problem_surface_fix", "problem_reopened"})


async def _when(client, pid, ready):
    from api import improvement

    s = await improvement.state(client, pid)
    return s if ready(s) else None


def test_a_bank_s_root_cause_table_replaces_the_product_s_and_a_bad_one_is_refused(tmp_path):
    from models.problems import root_causes

    assert {"process", "system", "product_design", "staff_conduct", "third_party", "rule"} <= set(root_causes())
    own = tmp_path / "causes.toml"
    own.write_text('[cause.vendor_outage]\nzh = "外包商系统中断"\nen = "A vendor outage"\n', encoding="utf-8")
    assert root_causes(own) == {"vendor_outage": ("外包商系统中断", "A vendor outage")}
    bad = tmp_path / "bad.toml"
    bad.write_text('[cause."Bad Code"]\nzh = "x"\nen = "x"\n', encoding="utf-8")
    with pytest.raises(ValueError, match="each \\[cause.<code>\\] has a code"):
        root_causes(bad)
