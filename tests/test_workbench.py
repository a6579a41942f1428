"""The workbench in a real browser (Debian's chromium, Playwright): a complaint worked to its close by
clicking, only the actions each person may take, live updates, a forged post refused, and axe-core."""
import asyncio
import uuid
from datetime import datetime
from zoneinfo import ZoneInfo

from playwright.async_api import expect

from tests.actors import DECISION, GOOD_RESPONSE
from tests.browser import serious_violations, shot, signed_in
from tests.conftest import eventually
from tests.test_front_door import LOST_CARD, intake_body, submitted_in_handle

LIVE = 5_000  # ms: a page shows what a colleague did within this


async def _submitted_by_the_app(api) -> str:
    return await submitted_in_handle(api, intake_body(LOST_CARD, f"AP-{uuid.uuid4().hex[:8]}"), api.channel("app"))


async def _act(page, name: str, **fields):
    block = page.locator(f'details[data-action="{name}"]')
    if not await block.evaluate("d => d.open"):
        await block.locator("summary").click()
    for field, value in fields.items():
        control = block.locator(f'[name="{field}"]')
        if await control.evaluate("e => e.tagName") == "SELECT":
            await control.select_option(value)  # a registered department, chosen from the list
        else:
            await control.fill(value)
    await block.locator("button[type=submit]").click()


async def _feedback(api, cid: str, satisfied: bool):
    async with api.http() as h:
        r = await h.post(f"/v1/complaints/{cid}/customer_feedback", json={"satisfied": satisfied, "csat": 4 if
                         satisfied else 2}, headers=api.channel("app"))
        assert r.status_code == 200, r.text


async def test_a_complaint_worked_to_its_close_by_clicking(api, browser):
    cid = await _submitted_by_the_app(api)

    handler = await signed_in(browser, api, "H801")
    await expect(handler.locator(f'tr[data-complaint="{cid}"]')).to_be_visible(timeout=LIVE)
    assert await serious_violations(handler) == []
    await shot(handler, "queue")
    await handler.locator(f'tr[data-complaint="{cid}"] a').click()
    await expect(handler.locator("h1")).to_contain_text(cid)
    assert await handler.locator('details[data-action="approve_close"]').count() == 0  # not a handler's
    assert await handler.locator('details[data-action="escalate"]').count() == 0
    await _act(handler, "accept")
    await expect(handler.locator(".flash")).to_contain_text("受理")
    await _act(handler, "open_work_order", department="loans", question="客户是否有分期贷款？")
    await expect(handler.locator('li[data-work-order="WO-1"]')).to_contain_text("个人贷款部")
    assert await serious_violations(handler) == []
    await shot(handler, "complaint")

    agent = await signed_in(browser, api, "A601")
    row = agent.locator(f'li[data-complaint="{cid}"][data-work-order="WO-1"]')
    await expect(row).to_be_visible()
    assert await serious_violations(agent) == []
    await shot(agent, "inbox")
    await row.locator("textarea").fill("有一笔分期，已核实")
    await row.locator("button").click()
    await expect(agent.locator(f'li[data-complaint="{cid}"] .flash')).to_be_visible()
    # The handler's open page shows the department's answer without a reload.
    await expect(handler.locator('li[data-work-order="WO-1"]')).to_contain_text("有一笔分期", timeout=LIVE)

    supervisor = await signed_in(browser, api, "S001")
    await supervisor.goto(f"/ui/complaints/{cid}")
    await _act(supervisor, "escalate", reason="盗刷风险，转专班")
    await expect(supervisor.locator(".badge.special")).to_be_visible()
    # What was done, recorded through its form: the text the two reviewers then approve.
    await _act(supervisor, "record_disposal", text="卡片已冻结，盗刷交易已拦截")
    await expect(supervisor.locator("[data-disposal]")).to_contain_text("盗刷交易已拦截")

    for reviewer in ("R010", "R011"):
        page = await signed_in(browser, api, reviewer)
        await expect(page.locator("h1")).to_contain_text("待我复核的处置")  # a reviewer lands on their review queue
        await expect(page.locator(f'tr[data-complaint="{cid}"]')).to_be_visible()
        await page.goto(f"/ui/complaints/{cid}")
        assert await page.locator('details[data-action="propose_response"]').count() == 0
        await _act(page, "approve_disposal", note=f"{reviewer} 同意")
        await expect(page.locator(".flash")).to_be_visible()
        assert await page.locator('details[data-action="approve_disposal"]').count() == 0  # once per person

    await handler.reload()
    await _act(handler, "propose_response", text="非常抱歉给您带来不便。我们已为您处理。", **DECISION)
    await expect(handler.locator('.script-check li.missing[data-part="facts confirmed"]')).to_be_visible()
    await expect(handler.locator('.script-check li.missing[data-part="follow-up"]')).to_be_visible()
    await expect(handler.locator("#refusal")).to_contain_text("缺少「核实事实」")  # the refusal's code, in Chinese
    await _act(handler, "propose_response", text=GOOD_RESPONSE, **DECISION)
    await expect(handler.locator(".stepper li.current")).to_contain_text("回访")

    await _feedback(api, cid, satisfied=False)  # the customer is not satisfied: back to handling
    await expect(handler.locator(".stepper li.current")).to_contain_text("处理", timeout=LIVE)
    await handler.goto("/ui/queue")
    await expect(handler.locator(f'tr[data-complaint="{cid}"]')).to_be_visible()
    await handler.goto(f"/ui/complaints/{cid}")
    await _act(handler, "propose_response", text=GOOD_RESPONSE, **DECISION)
    await expect(handler.locator(".stepper li.current")).to_contain_text("回访")
    await _feedback(api, cid, satisfied=True)  # a major complaint now waits for a supervisor

    await supervisor.goto("/ui/supervise")
    waiting = supervisor.locator(f'.approvals li[data-complaint="{cid}"]')
    await expect(waiting).to_contain_text("待批准结案", timeout=LIVE)
    assert await serious_violations(supervisor) == []
    await shot(supervisor, "supervise")
    await waiting.locator("a").click()
    await _act(supervisor, "approve_close", note="同意结案")
    await expect(supervisor.locator(".stepper li.current")).to_contain_text("已结案")
    await expect(handler.locator(".stepper li.current")).to_contain_text("已结案", timeout=LIVE)
    await shot(supervisor, "closed")


async def test_a_forged_post_is_refused_and_a_person_sees_only_their_actions(api, browser):
    cid = await _submitted_by_the_app(api)
    reviewer = await signed_in(browser, api, "R010")
    await reviewer.goto(f"/ui/complaints/{cid}")
    offered = await reviewer.locator("details[data-action]").evaluate_all("els => els.map(e => e.dataset.action)")
    assert set(offered) <= {"add_note", "approve_disposal"}, offered
    # A post without the CSRF header (a form another site makes the browser send) changes nothing.
    status = await reviewer.evaluate(
        """async (cid) => (await fetch(`/ui/complaints/${cid}/act/approve_disposal`,
               {method: 'POST', body: new URLSearchParams({note: 'forged'})})).status""", cid)
    assert status == 403
    async with api.http() as h:
        state = (await h.get(f"/v1/complaints/{cid}", headers=await api.as_("S001"))).json()
    assert state["disposal_approvals"] == []
    other = await signed_in(browser, api, "H501")  # credit-card centre: not this complaint's department
    response = await other.goto(f"/ui/complaints/{cid}")
    assert response.status == 403 and "Traceback" not in await other.content()


async def test_english_switch_and_a_heat_map_cell_that_lists_its_complaints(api, browser):
    await _submitted_by_the_app(api)  # a card used by someone else this week: debit_account × fraud
    now = datetime.now(ZoneInfo("Asia/Shanghai")).isocalendar()
    page = await signed_in(browser, api, "S001", lang="en")
    await expect(page.locator("header nav")).to_contain_text("Supervisor")
    await page.goto(f"/ui/reports/heatmap?week={now.year}-W{now.week:02d}")
    chart = page.locator("#heatmap-charts .chart").nth(1)  # the vip panel
    await expect(chart.locator("canvas")).to_be_visible()
    assert await serious_violations(page) == []
    await shot(page, "heatmap")
    # Hover shows the count, in names; a click on the cell lists exactly the complaints it counts.
    x, y, count = await chart.evaluate("""el => { const c = echarts.getInstanceByDom(el);
        const opt = c.getOption(); const types = opt.yAxis[0].data, natures = opt.xAxis[0].data;
        const at = [natures.indexOf('fraud'), types.indexOf('debit_account')];
        const cell = opt.series[0].data.find(d => d[0] === at[0] && d[1] === at[1]);
        return [...c.convertToPixel({seriesIndex: 0}, at), cell[2]]; }""")
    await chart.scroll_into_view_if_needed()  # as a person would: the panel may sit below the fold
    box = await chart.bounding_box()
    await page.mouse.move(box["x"] + x, box["y"] + y)
    await expect(page.locator("div", has_text=f"debit account × fraud: {count}").last).to_be_visible()
    await page.mouse.click(box["x"] + x, box["y"] + y)
    week = f"{now.year}-W{now.week:02d}"
    await page.wait_for_url(f"**/ui/supervise?week={week}&tier=vip&business_type=debit_account&problem_nature=fraud")
    await expect(page.locator("#supervise-rows tbody tr")).to_have_count(count)
    await expect(page.locator("#filter-said")).to_contain_text("VIP · debit account × fraud")
    await page.goto("/ui/reports/dashboard")
    await expect(page.locator("#dashboard-charts canvas").first).to_be_visible()
    await shot(page, "dashboard")
    await page.goto("/ui/lookback?month=2026-10")
    await expect(page.locator("h1")).to_contain_text("Look-back")
    await shot(page, "lookback")
    await asyncio.sleep(0)


async def test_the_queue_searches_by_reference_customer_phone_and_text_most_urgent_first(api, browser):
    first, second = await _submitted_by_the_app(api), await _submitted_by_the_app(api)
    page = await signed_in(browser, api, "H801")
    rows = page.locator("#queue-rows tbody tr")
    await expect(page.locator(f'tr[data-complaint="{second}"]')).to_be_visible(timeout=LIVE)
    ids = await rows.evaluate_all("rs => rs.map(r => r.dataset.complaint)")
    assert ids.index(first) < ids.index(second)  # the same limits, received first: due first
    for query in (second, "C7001", "13800138000", "有人盗刷"):
        await page.locator("#q").fill(query)
        await page.locator("form.search button").click()
        await expect(page.locator(f'tr[data-complaint="{second}"]')).to_be_visible()
        if query == second:
            assert await rows.count() == 1
        assert "13800138000" not in await page.locator("#queue-rows").inner_text()  # shown masked
    await page.locator("#q").fill("没有这样的投诉")
    await page.locator("form.search button").click()
    await expect(page.locator("#queue-rows .empty")).to_be_visible()


async def test_a_breach_shows_within_seconds_and_a_supervisor_unmasks_with_an_audit_row(api, browser, client,
                                                                                       workers, engine):
    """On the policy of seconds: the owner's open page turns the breached clock red by itself; the
    response editor names a prohibited phrase; a supervisor's look at the customer in clear is recorded."""
    from sqlmodel import Session, select

    from api import service
    from models.access import RequestAudit
    from tests.conftest import make_intake

    cid = (await service.submit(client, make_intake("我的账户被冻结了，请尽快帮我解冻"), workers["fast"])).complaint_id
    owner = await signed_in(browser, api, "E207")
    await owner.goto(f"/ui/complaints/{cid}")
    await expect(owner.locator(".stepper li.current")).to_contain_text("处理", timeout=LIVE)
    await _act(owner, "accept")
    await expect(owner.locator(".flash")).to_be_visible()
    await owner.locator('details[data-action="propose_response"] textarea[name=text]').fill("这不是我的职责")
    await expect(owner.locator(".script-check li.prohibited")).to_contain_text("这不是我的职责")
    breached = await eventually(lambda: _breached(client, cid), timeout=60)
    assert breached
    await expect(owner.locator("tr.clock.breached").first).to_be_visible(timeout=LIVE)
    await expect(owner.locator(".badge.breached")).to_be_visible(timeout=LIVE)

    supervisor = await signed_in(browser, api, "S001")
    await supervisor.goto(f"/ui/complaints/{cid}")
    await supervisor.get_by_role("button", name="查看明文").click()
    await expect(supervisor.locator(".clear")).to_contain_text("13800138000")
    with Session(engine) as session:
        row = session.exec(select(RequestAudit).where(RequestAudit.path == f"/ui/complaints/{cid}/customer")).one()
    assert (row.principal_id, row.status, row.outcome) == ("S001", 200, "unmasked: customer name and phone")
    assert "13800138000" not in await owner.content()


async def _breached(client, cid):
    from api import service

    return (await service.state(client, cid)).breached
