"""Every form works through its own controls: for each role, every action form the complaint page offers is
filled with valid values through its fields and sent with its own button, until none is left, and so is
every other form of the pages that role reaches. Any answer of 400 or more, or a raw problem document on the
page, fails: what a page offers must be possible."""
import uuid

from playwright.async_api import expect

from tests.actors import GOOD_RESPONSE
from tests.browser import signed_in
from tests.test_front_door import LOST_CARD, intake_body, submitted_in_handle
from tests.test_workbench_desk import FEES, failures

# What a person would write in each field (selects take the first choice the page lists).
VALUES = {"text": "已致电客户，核实了交易", "question": "请核实客户名下是否有分期", "answer": "已核实",
          "reason": "客户要求，已说明", "what": "身份证复印件", "note": "同意", "owner_id": "H502", "due": "24h",
          "by": "某司法鉴定所", "result": "签名非本人所签", "redress_amount": "300", "redress_currency": "CNY",
          "redress_for": "退还误收年费", "amount": "300", "currency": "CNY", "facts": "已核实交易记录",
          "basis": "《信用卡领用合约》", "reasons": "误收应退"}
RESPONSE_LAST = ["propose_response", "approve_close"]  # they move the case on: sent when nothing else is left


async def _raw_problem(page) -> bool:
    text = await page.locator("body").inner_text()
    return '"detail"' in text or '"type":' in text or "Internal Server Error" in text


async def _send_every_action(page, cid: str) -> list[str]:
    """Send each offered action once, preferring those that keep the case where it is; what was sent."""
    sent: list[str] = []
    while True:
        offered = await page.locator("details[data-action]").evaluate_all("els => els.map(e => e.dataset.action)")
        left = [a for a in offered if a not in sent]
        if not left:
            return sent
        name = min(left, key=lambda a: (a in RESPONSE_LAST, RESPONSE_LAST.index(a) if a in RESPONSE_LAST else 0))
        block = page.locator(f'details[data-action="{name}"]')
        if not await block.evaluate("d => d.open"):
            await block.locator("summary").click()
        for field in await block.locator("[name]").all():
            field_name = await field.get_attribute("name")
            if await field.evaluate("e => e.tagName") == "SELECT":
                options = await field.locator("option").evaluate_all("os => os.map(o => o.value).filter(v => v)")
                await field.select_option(options[0])
            else:
                await field.fill(GOOD_RESPONSE if (name, field_name) == ("propose_response", "text") else
                                 VALUES.get(field_name, "说明"))
        seq = await page.locator("#complaint-body").get_attribute("data-seq")
        await block.locator("button[type=submit]").click()
        await expect(page.locator("#complaint-body")).not_to_have_attribute("data-seq", seq)  # drawn anew
        await expect(page.locator(".flash, #refusal").first).to_be_visible()
        assert await page.locator("#refusal").count() == 0, (name, await page.locator("#refusal").inner_text())
        sent.append(name)
        drafts = await page.evaluate("() => Object.keys(sessionStorage).filter(k => k.startsWith('draft:'))")
        assert drafts == [], drafts  # an action that went through leaves no draft behind
        await expect(page.locator("h1")).to_contain_text(cid)


async def test_every_action_a_handler_and_a_supervisor_are_offered_goes_through(api, browser):
    cid = await submitted_in_handle(api, intake_body(FEES, f"AP-{uuid.uuid4().hex[:8]}"), api.channel("app"))
    handler = await signed_in(browser, api, "H501")
    bad = failures(handler)
    await handler.goto(f"/ui/complaints/{cid}")
    sent = await _send_every_action(handler, cid)
    assert {"accept", "add_note", "open_work_order", "cancel_work_order", "request_customer_info",
            "customer_info_received", "start_appraisal", "end_appraisal", "propose_response"} <= set(sent), sent
    timeline = handler.locator("ol.timeline")
    await expect(timeline).to_contain_text("外部鉴定开始（不计时）")  # the appraisal, in Chinese, as the page words it
    await expect(timeline).to_contain_text("某司法鉴定所进行")
    await expect(timeline).to_contain_text("签名非本人所签")
    assert bad == [] and not await _raw_problem(handler)

    emergency = await submitted_in_handle(api, intake_body(LOST_CARD, f"AP-{uuid.uuid4().hex[:8]}"),
                                          api.channel("app"))
    supervisor = await signed_in(browser, api, "S001")
    bad = failures(supervisor)
    await supervisor.goto(f"/ui/complaints/{emergency}")
    sent = await _send_every_action(supervisor, emergency)
    assert {"escalate", "reassign", "correct_classification", "accept", "record_disposal"} <= set(sent), sent
    assert bad == [] and not await _raw_problem(supervisor)


async def test_every_other_form_of_each_roles_pages_goes_through(api, browser):
    cid = await submitted_in_handle(api, intake_body(FEES, f"AP-{uuid.uuid4().hex[:8]}"), api.channel("app"))
    async with api.http() as h:
        r = await h.post(f"/v1/complaints/{cid}/accept", json={}, headers=await api.as_("H501"))
        assert r.status_code == 200
        r = await h.post(f"/v1/complaints/{cid}/open_work_order", json={"department": "loans", "question": "分期？"},
                         headers=await api.as_("H501"))
        assert r.status_code == 200

    agent = await signed_in(browser, api, "A601")
    bad = failures(agent)
    row = agent.locator(f'li[data-complaint="{cid}"]')
    await row.locator("textarea").fill("有一笔分期")
    await row.get_by_role("button").click()
    await expect(row.locator(".flash")).to_be_visible()
    await agent.goto("/ui/queue")
    await agent.locator("#q").fill(cid)
    await agent.locator("form.search button").click()
    await expect(agent.locator("#queue-rows")).to_be_visible()
    assert bad == [] and not await _raw_problem(agent)

    supervisor = await signed_in(browser, api, "S001")
    bad = failures(supervisor)
    for path, form in (("/ui/reports/heatmap", "form.picker"), ("/ui/reports/dashboard", "form.picker"),
                       ("/ui/lookback", "form.picker"), ("/ui/supervise", "form.filters")):
        await supervisor.goto(path)
        await supervisor.locator(f"{form} button[type=submit]").click()
        await expect(supervisor.locator("main h1")).to_be_visible()
        assert not await _raw_problem(supervisor), path
    await supervisor.locator("header form button[type=submit]").click()  # sign out, by its button
    await expect(supervisor.locator("#username")).to_be_visible()
    assert bad == []
