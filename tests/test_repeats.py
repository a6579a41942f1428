"""Repeats (Order No. 3: the same complaint repeated while one is handled may be merged with it): the rule
that offers one, the case's link and its undoing, and the offer on the dev server through the front door."""
import uuid
from datetime import timedelta

import numpy as np
import pytest

from classifier.repeats import Seen, alike, repeat_of
from models import messages as m
from models.policy import Policy
from tests.test_rules import NOW, OWNER, POLICY, case
from workflows.case_messages import Case

CARD = np.array([1.0, 0.0, 0.0])
NEAR = np.array([0.8, 0.6, 0.0])    # cosine 0.8 with CARD
EDGE = np.array([0.6, 0.8, 0.0])    # cosine 0.6: the default threshold itself
FAR = np.array([0.5, 0.0, 0.866])   # cosine 0.5
NEW = Seen("HL0000000002", "credit_card", "fee_dispute", CARD)


@pytest.mark.parametrize("open_ones, expected", [
    ([Seen("HL0000000001", "credit_card", "fee_dispute", NEAR)], "HL0000000001"),
    ([Seen("HL0000000001", "credit_card", "fee_dispute", EDGE)], "HL0000000001"),   # at the threshold
    ([Seen("HL0000000001", "credit_card", "fee_dispute", FAR)], None),               # the texts differ
    ([Seen("HL0000000001", "loans", "fee_dispute", CARD)], None),                    # another business
    ([Seen("HL0000000001", "credit_card", "service_attitude", CARD)], None),         # another nature
    ([Seen("HL0000000001", "credit_card", "fee_dispute", None)], None),              # no meaning kept (erased)
    ([Seen("HL0000000002", "credit_card", "fee_dispute", CARD)], None),              # never itself
    ([Seen("HL0000000001", "credit_card", "fee_dispute", EDGE),
      Seen("HL0000000003", "credit_card", "fee_dispute", NEAR)], "HL0000000003"),    # the most alike
    ([], None),
    # Passed over, the next is still looked at.
    ([Seen("HL0000000002", "credit_card", "fee_dispute", CARD), Seen("HL0000000001", "credit_card", "fee_dispute", NEAR)],
     "HL0000000001"),
    ([Seen("HL0000000004", "loans", "fee_dispute", CARD), Seen("HL0000000001", "credit_card", "fee_dispute", NEAR)],
     "HL0000000001"),
    ([Seen("HL0000000004", "credit_card", "fee_dispute", None), Seen("HL0000000001", "credit_card", "fee_dispute", NEAR)],
     "HL0000000001"),
    # A tie goes to the one listed first (the newest: the activity lists them newest first).
    ([Seen("HL0000000005", "credit_card", "fee_dispute", NEAR), Seen("HL0000000001", "credit_card", "fee_dispute", NEAR)],
     "HL0000000005"),
])
def test_which_open_complaint_a_new_one_repeats(open_ones, expected):
    found = repeat_of(NEW, open_ones, Policy().repeats.similarity)
    assert (found[0] if found else None) == expected


def test_alike_is_the_cosine_and_zero_for_nothing():
    assert alike(CARD, NEAR) == pytest.approx(0.8) and alike(CARD, np.zeros(3)) == 0.0
    assert alike(np.array([3.0, 0.0, 0.0]), np.array([1.0, 1.0, 0.0])) == pytest.approx(0.5 ** 0.5)  # lengths apart


def test_a_linked_repeat_holds_its_clocks_and_new_facts_let_them_run_again():
    c = Case(case(suspected_repeat="HL0000000009", work_orders=[]), POLICY)
    c.take()
    decision = c.s.clock("decision")
    c.apply("link_repeat", m.LinkRepeat(actor=OWNER, of="HL0000000009"), NOW)
    out = c.take()
    assert c.s.repeat_of == "HL0000000009" and c.s.suspected_repeat is None and decision.paused
    assert [n.template for n in out.notifications] == ["repeat_linked"] and "HL0000000009" in out.notifications[0].body
    due = decision.deadline(NOW)
    later = NOW + timedelta(days=2)
    c.apply("new_facts", m.NewFacts(actor=OWNER, reason="客户补充了新的交易"), later)
    out = c.take()
    assert c.s.repeat_of is None and not decision.paused and decision.deadline(later) == due + timedelta(days=2)
    assert [n.template for n in out.notifications] == ["repeat_unlinked"]


def test_new_facts_on_an_offer_set_it_aside_and_tell_the_customer_nothing():
    c = Case(case(suspected_repeat="HL0000000009", work_orders=[]), POLICY)
    c.take()
    c.apply("new_facts", m.NewFacts(actor=OWNER, reason="不同的交易"), NOW)
    out = c.take()
    assert c.s.suspected_repeat is None and out.notifications == [] and out.events[0].action == "new_facts"


async def test_a_repeat_is_offered_linked_and_unlinked_through_the_front_door(api):
    from tests.conftest import eventually
    from tests.test_front_door import intake_body, submitted_in_handle
    from tests.test_workbench_desk import FEES

    hotline = api.channel("hotline")
    customer = {"id": f"C-{uuid.uuid4().hex[:8]}", "name": "赵敏", "phone": "13700137000", "tier": "standard"}
    first = await submitted_in_handle(api, intake_body(FEES, f"RP-{uuid.uuid4().hex[:10]}", customer=customer), hotline)
    again = await submitted_in_handle(api, intake_body("信用卡年费又被扣了，上次投诉还没处理，要求退还年费",
                                                       f"RP-{uuid.uuid4().hex[:10]}", customer=customer), hotline)
    other = await submitted_in_handle(api, intake_body("手机银行转账失败，钱被扣了没到账",
                                                       f"RP-{uuid.uuid4().hex[:10]}", customer=customer), hotline)
    async with api.http() as h:
        sup = await api.as_("S001")
        state = (await h.get(f"/v1/complaints/{again}", headers=sup)).json()
        assert state["suspected_repeat"] == first and first in state["open_of_customer"]
        assert (await h.get(f"/v1/complaints/{other}", headers=sup)).json()["suspected_repeat"] is None
        linked = await h.post(f"/v1/complaints/{again}/link_repeat", json={"of": first}, headers=sup)
        assert linked.status_code == 200, linked.text
        state = (await h.get(f"/v1/complaints/{again}", headers=sup)).json()
        assert state["repeat_of"] == first and all(c["paused_since"] for c in state["clocks"] if not c["met_at"])
        twice = await h.post(f"/v1/complaints/{again}/link_repeat", json={"of": first}, headers=sup)
        assert twice.status_code == 422 and twice.json()["code"] == "repeat_linked"
        foreign = await h.post(f"/v1/complaints/{other}/link_repeat", json={"of": "HL0000000000"}, headers=sup)
        assert foreign.status_code == 422 and foreign.json()["code"] == "not_a_repeat"
        undone = await h.post(f"/v1/complaints/{again}/new_facts", json={"reason": "客户补充了第二笔扣费"}, headers=sup)
        assert undone.status_code == 200, undone.text

        async def running():
            s = (await h.get(f"/v1/complaints/{again}", headers=sup)).json()
            return s["repeat_of"] is None and not any(c["paused_since"] for c in s["clocks"])
        await eventually(running)


async def test_a_handler_links_a_repeat_and_undoes_it_through_the_page_in_chinese(api, browser):
    from playwright.async_api import expect

    from tests.browser import signed_in
    from tests.test_front_door import intake_body, submitted_in_handle
    from tests.test_workbench import _act
    from tests.test_workbench_desk import FEES, failures

    hotline = api.channel("hotline")
    customer = {"id": f"C-{uuid.uuid4().hex[:8]}", "name": "钱伟", "phone": "13600136000", "tier": "standard"}
    first = await submitted_in_handle(api, intake_body(FEES, f"RP-{uuid.uuid4().hex[:10]}", customer=customer), hotline)
    again = await submitted_in_handle(api, intake_body("年费又扣了一次，之前的投诉还在处理，请一并退还信用卡年费",
                                                       f"RP-{uuid.uuid4().hex[:10]}", customer=customer), hotline)
    page = await signed_in(browser, api, "H501")
    bad = failures(page)
    await page.goto(f"/ui/complaints/{again}")
    offer = page.locator(f'[data-repeat="{first}"]')
    await expect(offer).to_contain_text("疑似重复投诉")
    form = page.locator('details[data-action="link_repeat"]')
    await expect(form.locator("select[name=of] option").first).to_contain_text("疑似重复")
    await _act(page, "link_repeat", of=first)
    await expect(page.locator(".flash")).to_contain_text("合并为重复投诉")
    await expect(page.locator(f'[data-repeat="{first}"]')).to_contain_text("已作为重复投诉合并处理")
    # The notice and the trail come from the read model: the page's poll shows them once the worker wrote them.
    await expect(page.locator('[data-template="repeat_linked"]')).to_contain_text(first, timeout=20_000)
    await expect(page.locator("ol.timeline")).to_contain_text("本投诉时限暂停", timeout=20_000)
    await _act(page, "new_facts", reason="客户补充了第二笔扣费的凭证")
    await expect(page.locator(".flash")).to_contain_text("有新事实")
    assert await page.locator("[data-repeat]").count() == 0
    await expect(page.locator("ol.timeline")).to_contain_text("有新事实，单独处理")
    assert bad == []
    from tests.test_review import in_english

    await in_english(page, f"/ui/complaints/{again}")
    await expect(page.locator("ol.timeline")).to_contain_text("new facts: handled on its own")
