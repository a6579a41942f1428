"""Each role where its work is, in Chromium, through the page's own forms: a channel's complaint on its desk's
queue, an emergency's disposal recorded, returned by a reviewer with a reason, recorded again and approved;
a supervisor's landing with approvals, breaches and dissatisfied returns."""
import uuid

from playwright.async_api import expect

from tests.actors import DECISION, GOOD_RESPONSE
from tests.browser import serious_violations, shot, signed_in
from tests.test_front_door import LOST_CARD, intake_body, submitted_in_handle
from tests.test_workbench import _act
from tests.test_workbench_desk import failures

LIVE = 5_000


async def test_a_reviewer_returns_a_disposal_with_a_reason_and_approves_it_recorded_again(api, browser):
    cid = await submitted_in_handle(api, intake_body(LOST_CARD, f"AP-{uuid.uuid4().hex[:8]}"), api.channel("app"))
    desk = await signed_in(browser, api, "D001")  # a handler of the app's desk, where the app's complaints land
    bad = failures(desk)
    row = desk.locator(f'tr[data-complaint="{cid}"]')
    await expect(row).to_be_visible(timeout=LIVE)
    await expect(row).to_contain_text("手机银行受理组")  # owned by the desk until one of its people accepts
    await row.locator("a").click()
    await _act(desk, "accept")
    await expect(desk.locator(".flash")).to_contain_text("受理")
    await _act(desk, "record_disposal", text="已冻结卡片")
    await expect(desk.locator("[data-disposal]")).to_contain_text("已冻结卡片")
    await expect(desk.locator(".flash")).to_be_focused()  # after an action, focus is on what it says

    reviewer = await signed_in(browser, api, "R010")
    await expect(reviewer.locator("h1")).to_contain_text("待我复核的处置")
    await reviewer.locator(f'tr[data-complaint="{cid}"] a').click()
    await expect(reviewer.locator("[data-disposal]")).to_contain_text("已冻结卡片")
    await _act(reviewer, "return_disposal", reason="请说明可疑交易是否已拦截")
    await expect(reviewer.locator(".flash")).to_contain_text("退回处置")
    assert await reviewer.locator('details[data-action="return_disposal"]').count() == 0  # nothing to return now

    # The owner's open page shows the return and its reason without a reload; approvals start over.
    await expect(desk.locator("[data-returned]")).to_contain_text("请说明可疑交易是否已拦截", timeout=LIVE)
    await _act(desk, "record_disposal", text="已冻结卡片，已拦截两笔可疑交易")
    await expect(desk.locator("[data-returned]")).to_have_count(0)

    for name in ("R010", "R011"):
        page = reviewer if name == "R010" else await signed_in(browser, api, name)
        await page.goto(f"/ui/complaints/{cid}")
        await expect(page.locator("[data-disposal]")).to_contain_text("已拦截两笔可疑交易")
        assert await serious_violations(page) == []
        await _act(page, "approve_disposal", note="同意")
        await expect(page.locator(".flash")).to_be_visible()
    await shot(reviewer, "review-approved")

    await desk.reload()
    await _act(desk, "propose_response", text=GOOD_RESPONSE, **DECISION)
    await expect(desk.locator(".stepper li.current")).to_contain_text("回访")
    timeline = desk.locator(".timeline")
    await expect(timeline).to_contain_text("退回处置（说明原因）")
    await expect(timeline).to_contain_text("请说明可疑交易是否已拦截")
    assert bad == []


async def test_the_supervisor_lands_on_approvals_breaches_and_dissatisfied_returns(api, browser):
    cid = await submitted_in_handle(api, intake_body("信用卡年费乱收费，请退还年费", f"AP-{uuid.uuid4().hex[:8]}"),
                                    api.channel("app"))
    async with api.http() as h:
        async def post(who, name, **body):
            headers = who if isinstance(who, dict) else await api.as_(who)
            r = await h.post(f"/v1/complaints/{cid}/{name}", json=body, headers=headers)
            assert r.status_code == 200, r.text

        await post("H501", "accept")
        await post("H501", "propose_response", text=GOOD_RESPONSE, **DECISION)
        await post(api.channel("app"), "customer_feedback", satisfied=False, csat=1, comment="年费还没退")
    page = await signed_in(browser, api, "S001")
    assert page.url.endswith("/ui/supervise")
    back = page.locator(f'.came-back li[data-complaint="{cid}"]')
    await expect(back).to_be_visible(timeout=LIVE)
    await expect(back).to_contain_text("客户不满意退回")
    await expect(page.locator("h2", has_text="已超时限")).to_be_visible()

    handler = await signed_in(browser, api, "H501")
    row = handler.locator(f'tr[data-complaint="{cid}"]')
    await expect(row.locator(".badge.came-back")).to_be_visible(timeout=LIVE)
