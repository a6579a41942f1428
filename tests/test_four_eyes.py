"""The dual review (双人复核) as an auditor reads it, over any sequence of record, approve and return by owners,
the special group, reviewers and supervisors: whenever the response is allowed, two different people, neither
the complaint's owner nor the author of the text, approved the disposal text in force.

The pure Case and the contract's rules (the same functions the workflow's validators run), no Temporal."""
from hypothesis import event, given, settings
from hypothesis import strategies as st

from models import messages as m
from models.enums import Role
from models.intake import Actor
from tests.actors import DECISION
from tests.test_rules import NOW, OWNER, POLICY, SPECIAL, case
from workflows.case_messages import Case
from workflows.rules import refusal

PEOPLE = [OWNER, SPECIAL,
          Actor(id="R010", role=Role.REVIEWER, department="risk"),
          Actor(id="R011", role=Role.REVIEWER, department="risk"),
          Actor(id="S001", role=Role.SUPERVISOR, department="complaints"),
          Actor(id="S002", role=Role.SUPERVISOR, department="complaints")]
TEXTS = ["卡片已冻结", "盗刷交易已拦截", "已补发新卡"]
RESPONSE = "非常抱歉。经核实，卡片已冻结，已为您退还损失。我们将回访。"

step = st.tuples(st.sampled_from(["record_disposal", "approve_disposal", "return_disposal"]),
                 st.sampled_from(PEOPLE), st.sampled_from(TEXTS))


def message(kind: str, actor: Actor, text: str) -> m.Message:
    if kind == "record_disposal":
        return m.RecordDisposal(actor=actor, text=text)
    if kind == "approve_disposal":
        return m.ApproveDisposal(actor=actor)
    return m.ReturnDisposal(actor=actor, reason="请补充")


@settings(max_examples=400, deadline=None)
@given(st.lists(step, max_size=12))
def test_whenever_the_response_is_allowed_two_others_approved_the_text_in_force(steps):
    c = Case(case(emergency=True, special_group=True, work_orders=[], accepted=True), POLICY)
    approvals_of: dict[str, set[str]] = {}  # text in force -> who approved exactly it, by our own bookkeeping
    author: str | None = None
    for kind, actor, text in steps:
        msg = message(kind, actor, text)
        if refusal(kind, msg, c.s, POLICY, NOW) is not None:
            continue
        c.apply(kind, msg, NOW)
        if kind == "record_disposal":
            author = actor.id
            approvals_of[text] = set()
            current = text
        elif kind == "approve_disposal":
            approvals_of[current].add(actor.id)
        else:
            approvals_of[current] = set()
        allowed = refusal("propose_response", m.ProposeResponse(actor=OWNER, text=RESPONSE, **DECISION), c.s, POLICY, NOW) is None
        if allowed:
            event("the response allowed")  # seen in --hypothesis-show-statistics: the property is not vacuous
            assert c.s.disposal is not None and c.s.disposal_returned is None
            eyes = approvals_of[c.s.disposal] - {author, c.s.owner_id}
            assert len(eyes) >= 2, (steps, eyes)
            assert author == c.s.disposal_by


def test_the_three_ways_around_it_are_closed():
    """Each way an auditor found, as a sequence the property above would also find."""
    def run(*steps) -> bool:
        c = Case(case(emergency=True, special_group=True, work_orders=[], accepted=True), POLICY)
        for kind, actor, text in steps:
            msg = message(kind, actor, text)
            if refusal(kind, msg, c.s, POLICY, NOW) is None:
                c.apply(kind, msg, NOW)
        return refusal("propose_response", m.ProposeResponse(actor=OWNER, text=RESPONSE, **DECISION), c.s, POLICY, NOW) is None

    r10, r11, s1 = PEOPLE[2], PEOPLE[3], PEOPLE[4]
    # 1. Two approvals of nothing recorded.
    assert not run(("approve_disposal", r10, ""), ("approve_disposal", r11, ""))
    # 2. The text replaced after one approval: the second approval alone stands for the new text.
    assert not run(("record_disposal", OWNER, TEXTS[0]), ("approve_disposal", r10, ""),
                   ("record_disposal", OWNER, TEXTS[1]), ("approve_disposal", r11, ""))
    # 3. A supervisor records the disposal and approves it.
    assert not run(("record_disposal", s1, TEXTS[0]), ("approve_disposal", s1, ""), ("approve_disposal", r10, ""))
    # And the ordinary way still works.
    assert run(("record_disposal", OWNER, TEXTS[0]), ("approve_disposal", r10, ""), ("approve_disposal", s1, ""))


def test_an_approver_who_becomes_the_owner_no_longer_counts():
    """Reassigned to one of its reviewers, the complaint needs another pair of eyes before the response."""
    s = case(emergency=True, work_orders=[], accepted=True, disposal="卡片已冻结", disposal_by="E207",
             disposal_approvals=["R010", "R011"])
    assert s.dual_review_done
    assert not s.model_copy(update={"owner_id": "R010"}).dual_review_done
    assert not s.model_copy(update={"disposal_returned": "请补充"}).dual_review_done
    assert not s.model_copy(update={"disposal": None}).dual_review_done
