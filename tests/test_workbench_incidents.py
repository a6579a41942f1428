"""The incidents page in Chromium, through its own forms, in Chinese: a burst found by the watch, confirmed,
its plan announced, resolved; the linked complaint's page points to it; the page in English too."""
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from playwright.async_api import expect
from sqlmodel import Session, col, select

from models.tables import IncidentLink
from tests.actors import DECISION, GOOD_RESPONSE
from tests.browser import serious_violations, shot, signed_in
from tests.conftest import eventually
from tests.test_incidents import OUTAGE, _classified, _members, _submit
from tests.test_workbench import _act
from tests.test_workbench_desk import failures
from tests.test_workbench_language import VISIBLE, strangers
from workflows.incident import IncidentWatchWorkflow

pytestmark = pytest.mark.usefixtures("no_incident_left")


async def test_a_supervisor_works_an_incident_from_its_page(api, browser, client, engine, workers):
    base = datetime.now(UTC) - timedelta(days=11, hours=5, minutes=uuid.uuid4().int % 600)
    ids = [await _submit(api, text, base + timedelta(minutes=i)) for i, text in enumerate(OUTAGE)]
    await eventually(lambda: _classified(engine, ids), timeout=60)
    await client.execute_workflow(IncidentWatchWorkflow.run, (base + timedelta(minutes=12)).isoformat(),
                                  id=f"watch-{uuid.uuid4().hex[:8]}", task_queue=workers["fast"])

    def opened() -> str | None:  # the incident that holds these complaints
        with Session(engine) as session:
            found = {link.incident_id for link in session.exec(select(IncidentLink).where(
                col(IncidentLink.complaint_id).in_(ids))).all()}
        return found.pop() if len(found) == 1 else None
    iid = await eventually(opened, timeout=20)
    await eventually(lambda: set(ids) <= _members(engine, iid), timeout=20)

    page = await signed_in(browser, api, "S001")
    bad = failures(page)
    await page.goto("/ui/incidents")
    row = page.locator(f"tr[data-incident='{iid}']")
    await expect(row).to_contain_text("待确认", timeout=15_000)
    await row.locator("a").click()
    await expect(page).to_have_url(f"{api.url}/ui/incidents/{iid}")
    await expect(page.locator("[data-members]")).to_have_text(str(len(_members(engine, iid))), timeout=10_000)
    await expect(page.locator("#incident-chart canvas")).to_be_visible()
    await expect(page.locator("main")).to_contain_text("转账")  # the words they share
    assert strangers(await page.evaluate(VISIBLE), "zh") == []
    assert await serious_violations(page) == []

    await _act(page, "confirm", note="核心转账系统故障")
    await expect(page.locator(".flash")).to_contain_text("确认为重大事件")
    await _act(page, "publish_plan", zh="转账系统故障已修复，未成功的转账已全部退回账户。")
    await expect(page.locator('.announcements li[data-plan="1"]')).to_contain_text("已修复")
    await shot(page, "zh/S001-incident")
    await _act(page, "resolve", text=GOOD_RESPONSE, **DECISION)
    await expect(page.locator("h1 .badge")).to_have_text("已解决")
    await expect(page.locator(f'tr[data-complaint="{ids[1]}"]')).to_contain_text("请先受理投诉，再回复客户")
    assert bad == []

    await page.goto(f"/ui/complaints/{ids[0]}")
    await expect(page.locator(f'.incident a[href="/ui/incidents/{iid}"]')).to_be_visible()
    await expect(page.locator('[data-template="incident_plan"]')).to_contain_text("已修复")  # in the conversation

    english = await signed_in(browser, api, "S001", lang="en")
    await english.goto(f"/ui/incidents/{iid}")
    await expect(english.locator("h1")).to_contain_text("Incident")
    assert strangers(await english.evaluate(VISIBLE), "en") == []
    await shot(english, "en/S001-incident")
