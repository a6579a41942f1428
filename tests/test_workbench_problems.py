"""Problems and the quarterly return in Chromium, through their own forms, in Chinese: a supervisor opens a
problem from a link that fills its pattern, sets its root cause, adds an action for the loans department and
submits the plan; the department's agent completes it from the same page; the list, the dashboard and the
return read in Chinese, and in English by the switch; axe finds nothing serious."""
import re
import uuid
from datetime import UTC, datetime, timedelta

from playwright.async_api import expect

from tests.browser import serious_violations, shot, signed_in
from tests.test_problems import _seed
from tests.test_workbench_desk import failures
from tests.test_workbench_language import VISIBLE, strangers


async def _act(page, name: str, **fields):
    block = page.locator(f'details[data-action="{name}"]')
    if not await block.evaluate("d => d.open"):
        await block.locator("summary").click()
    for field, value in fields.items():
        control = block.locator(f'[name="{field}"]')
        if await control.evaluate("e => e.tagName") == "SELECT":
            await control.select_option(value)
        else:
            await control.fill(value)
    await block.locator("button[type=submit]").click()


async def test_a_problem_opened_planned_and_done_from_its_pages(api, browser, engine):
    kind = f"bt{uuid.uuid4().hex[:8]}"
    seeded = _seed(engine, kind, [datetime.now(UTC) + timedelta(minutes=1)])
    page = await signed_in(browser, api, "S001")
    bad = failures(page)
    await page.goto("/ui/problems?source=heatmap&source_ref=2026-W49&title=%E8%BF%9D%E7%BA%A6%E9%87%91")
    block = page.locator('details[data-action="open_problem"]')
    await expect(block).to_have_attribute("open", "")  # the link that led here filled it and opened it
    await expect(page.locator("#p-source")).to_have_value("heatmap")
    await page.locator("#p-department").select_option("loans")
    await page.locator("#p-title").fill("提前还款违约金告知不清")
    await block.locator("button[type=submit]").click()
    await expect(page).to_have_url(re.compile(r"/ui/problems/PRB-\d{8}-[0-9a-f]{6}$"))
    pid = page.url.rsplit("/", 1)[1]
    await expect(page.locator("[data-field=status]")).to_contain_text("整改计划制定中")
    await expect(page.locator("[data-field=plan]")).to_contain_text("24:00")  # three working days, to its end
    assert strangers(await page.evaluate(VISIBLE), "zh") == []
    assert await serious_violations(page) == []

    assert await page.locator('details[data-action="submit_plan"]').count() == 0  # no plan without cause, action
    await _act(page, "set_root_cause", code="disclosure", note="提前还款告知书未写明违约金计算方式")
    await expect(page.locator("[data-field=cause]")).to_contain_text("信息披露不充分")
    due = (datetime.now(UTC) + timedelta(days=14)).date().isoformat()
    await _act(page, "add_action", what="修订提前还款告知书并培训柜员", department="loans", due=due)
    await expect(page.locator('[data-action-row="A1"]')).to_contain_text("修订提前还款告知书")
    await _act(page, "submit_plan", note="两周内完成")
    await expect(page.locator("[data-field=status]")).to_contain_text("整改中")
    await shot(page, "zh/S001-problem")

    agent = await signed_in(browser, api, "A601")
    await agent.goto(f"/ui/problems/{pid}")
    assert await agent.locator('details[data-action="add_action"]').count() == 0  # a supervisor's form
    await _act(agent, "complete_action", action_id="A1", note="告知书已修订，柜员已培训")
    await expect(agent.locator("[data-field=status]")).to_contain_text("效果评估中")

    await page.goto("/ui/problems")
    await expect(page.locator(f'tr[data-problem="{pid}"]')).to_contain_text("效果评估中")
    await expect(page.locator("#problem-figures")).to_contain_text("进行中的问题")
    await page.goto(f"/ui/problems/{pid}")
    await expect(page.locator(f"input[name=complaint_ids][value=\"{seeded[0]}\"]")).to_be_checked()  # offered
    await _act(page, "link")
    await expect(page.locator(".linked")).to_contain_text(seeded[0])

    english = await signed_in(browser, api, "S001", lang="en")
    await english.goto(f"/ui/problems/{pid}")
    await expect(english.locator("[data-field=status]")).to_contain_text("effect being measured")
    assert strangers(await english.evaluate(VISIBLE), "en") == []
    assert await serious_violations(english) == []
    await shot(english, "en/S001-problem")
    assert bad == []


async def test_the_quarterly_return_reads_on_its_page_and_downloads(api, browser, engine):
    from tests.test_returns import QUARTER
    from tests.test_returns import _seed as seed_quarter

    seed_quarter(engine, registered=True)
    page = await signed_in(browser, api, "S001")
    bad = failures(page)
    await page.goto("/ui/reports/dashboard")
    await expect(page.locator("#dashboard-problems")).to_contain_text("整改有效率")
    await page.locator("nav a[href='/ui/reports/returns']").click()
    await page.locator("#quarter").fill(QUARTER)
    await page.locator("form.picker button").click()
    await expect(page.locator("h1")).to_contain_text(f"投诉统计季报 {QUARTER}")
    await expect(page.locator("#return-cells")).to_contain_text("合计")
    assert int(await page.locator("[data-figure=received]").inner_text()) >= 60
    assert strangers(await page.evaluate(VISIBLE), "zh") == []
    assert await serious_violations(page) == []
    async with page.expect_download() as got:
        await page.locator("[data-download=xlsx]").click()
    download = await got.value
    assert download.suggested_filename == f"return-{QUARTER}.xlsx"
    await shot(page, "zh/S001-returns")
    assert bad == []
