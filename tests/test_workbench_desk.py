"""The desk as a person uses it, in Chromium: the supervisor's filter through its own controls, and a refused
response that keeps what the handler typed (across a reload too)."""
import uuid

from playwright.async_api import expect

from tests.browser import shot, signed_in
from tests.test_front_door import LOST_CARD, intake_body, submitted_in_handle


def failures(page) -> list[str]:
    """Every answer of 400 or more the page received while the person worked (a raw problem shown or not)."""
    found: list[str] = []
    page.on("response", lambda r: found.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    return found


async def test_the_supervisors_filter_works_through_its_own_controls(api, browser):
    cid = await submitted_in_handle(api, intake_body(LOST_CARD, f"AP-{uuid.uuid4().hex[:8]}"), api.channel("app"))
    page = await signed_in(browser, api, "S001")
    bad = failures(page)
    await page.goto("/ui/supervise")
    await page.locator("#f-stage").select_option("handle")
    await page.locator("form.filters button[type=submit]").click()
    await expect(page.locator(f'#supervise-rows tr[data-complaint="{cid}"]')).to_be_visible()
    await page.locator("#f-emergency").select_option("true")
    await page.locator("form.filters button[type=submit]").click()
    await expect(page.locator(f'#supervise-rows tr[data-complaint="{cid}"]')).to_be_visible()
    await page.wait_for_timeout(3500)  # a poll after the filter: still the list, never a problem document
    assert "detail" not in await page.locator("#supervise-rows").inner_text()
    assert bad == []
    await shot(page, "supervise-filtered")


FEES = "信用卡年费乱收费，请退还年费"
SHORT = "非常抱歉给您带来不便。我们已为您退还年费。"  # no facts confirmed, no follow-up: the script refuses it


async def test_a_refused_response_keeps_what_was_typed_and_a_reload_keeps_the_draft(api, browser):
    cid = await submitted_in_handle(api, intake_body(FEES, f"AP-{uuid.uuid4().hex[:8]}"), api.channel("app"))
    page = await signed_in(browser, api, "H501")  # the credit-card centre: the classifier's department
    await page.goto(f"/ui/complaints/{cid}")
    await page.locator('details[data-action="accept"] summary').click()
    await page.locator('details[data-action="accept"] button[type=submit]').click()
    await expect(page.locator(".flash")).to_be_visible()
    editor = page.locator('details[data-action="propose_response"] textarea[name="text"]')
    await editor.fill(SHORT)
    await page.locator('details[data-action="propose_response"] button[type=submit]').click()
    await expect(page.locator("#refusal")).to_contain_text("缺少「核实事实」")  # the code, said in Chinese
    await expect(editor).to_have_value(SHORT)
    await page.reload()
    await expect(page.locator('details[data-action="propose_response"] textarea[name="text"]')).to_have_value(SHORT)


async def test_an_emergency_before_its_review_offers_no_response_editor_and_says_why(api, browser):
    cid = await submitted_in_handle(api, intake_body(LOST_CARD, f"AP-{uuid.uuid4().hex[:8]}"), api.channel("app"))
    page = await signed_in(browser, api, "H801")
    await page.goto(f"/ui/complaints/{cid}")
    await page.locator('details[data-action="accept"] summary').click()
    await page.locator('details[data-action="accept"] button[type=submit]').click()
    await expect(page.locator(".flash")).to_be_visible()
    assert await page.locator('details[data-action="propose_response"]').count() == 0
    waiting = page.locator('[data-not-yet="propose_response"]')
    await expect(waiting).to_contain_text("紧急投诉须经两名复核人同意处置后才能回复客户（目前 0 人同意）")
    assert await waiting.locator("button").is_disabled()


async def test_the_refusal_page_itself_carries_what_was_typed(api):
    """Without the page's script too (the drafts above are the script's): the server redraws the form filled."""
    cid = await submitted_in_handle(api, intake_body(FEES, f"AP-{uuid.uuid4().hex[:8]}"), api.channel("app"))
    async with api.http() as h:
        handler = {**await api.as_("H501"), "HX-Request": "true"}
        await h.post(f"/ui/complaints/{cid}/act/accept", data={}, headers=handler)
        refused = await h.post(f"/ui/complaints/{cid}/act/propose_response", data={"text": SHORT}, headers=handler)
    assert refused.status_code == 422 and 'role="alert"' in refused.text
    assert f">{SHORT}</textarea>" in refused.text


async def test_the_complaint_page_shows_what_the_customer_was_sent_and_said(api):
    from tests.conftest import eventually

    cid = await submitted_in_handle(api, intake_body(LOST_CARD, f"AP-{uuid.uuid4().hex[:8]}"), api.channel("app"))
    async with api.http() as h:
        sup = await api.as_("S001")

        async def page():
            r = await h.get(f"/ui/complaints/{cid}", headers=sup)
            return r.text if 'data-template="acknowledgement"' in r.text else None

        html = await eventually(page)
    # The bank's template in the customer's language, as the outbox sends it, and its delivery state.
    assert f"您的投诉已受理，编号 {cid}" in html and "受理通知" in html
    assert any(state in html for state in ("发送中", "已送达", "未能送达"))


async def test_the_workbench_refuses_what_the_bank_has_not_registered_and_keeps_the_form(api):
    """A post past the page's own lists (a forged or stale form): an unknown department, a label not in the
    taxonomy. Refused in words on the page, the form redrawn as typed."""
    cid = await submitted_in_handle(api, intake_body(LOST_CARD, f"AP-{uuid.uuid4().hex[:8]}"), api.channel("app"))
    async with api.http() as h:
        sup = {**await api.as_("S001"), "HX-Request": "true"}
        nowhere = await h.post(f"/ui/complaints/{cid}/act/open_work_order",
                               data={"department": "信息科技部", "question": "系统是否故障？"}, headers=sup)
        banana = await h.post(f"/ui/complaints/{cid}/act/correct_classification",
                              data={"business_type": "banana", "reason": "客户说明"}, headers=sup)
    assert nowhere.status_code == 422 and "部门「信息科技部」未登记，请从列表中选择" in nowhere.text
    assert "系统是否故障？</textarea>" in nowhere.text
    assert banana.status_code == 422 and "「banana」不在分类表中" in banana.text and 'value="banana"' in banana.text


async def test_a_supervisor_starts_an_ended_months_look_back_with_a_button(api, browser):
    """No command line: the page says in the person's language that the month has not been looked back, a
    supervisor starts it with the page's own button and sees its sample; a handler is told who starts it."""
    month = "2019-07"  # ended long ago; no other test of the suite looks this month back
    page = await signed_in(browser, api, "E207")
    await page.goto(f"/ui/lookback?month={month}")
    await expect(page.locator("#lookback-missing")).to_have_text("本月的回头看尚未开始。")
    assert await page.locator('form[data-form="lookback-run"]').count() == 0
    assert "complaints lookback" not in await page.locator("main").inner_text()

    page = await signed_in(browser, api, "S001")
    bad = failures(page)
    await page.goto(f"/ui/lookback?month={month}")
    await page.locator('form[data-form="lookback-run"] button[type=submit]').click()
    await expect(page.locator("#lookback-missing")).to_have_count(0)
    await expect(page.locator("table.list").first).to_be_visible()
    assert page.url.endswith(f"/ui/lookback?month={month}") and bad == []
    await shot(page, "lookback-started")
    # A month still running offers no button: its one run would be used up with half a month's sample.
    await page.goto("/ui/lookback?month=2098-06")  # a month to come that no test starts a run of
    await expect(page.locator("#lookback-not-ended")).to_have_text("这个月还没有结束：回头看在下月第一个工作日开始。")
    assert await page.locator('form[data-form="lookback-run"]').count() == 0
