"""One vocabulary, two languages: every page each role reaches, read in Chromium as its person reads it. In
Chinese no internal id (snake_case) and no English word may show; in English no Chinese. What people typed
(the complaint, notes, questions, the words sent to the customer) is theirs and is left out of the count."""
import json
import re
import uuid

from playwright.async_api import expect

from tests.actors import DECISION, GOOD_RESPONSE
from tests.browser import serious_violations, shot, signed_in
from tests.conftest import eventually
from tests.test_front_door import LOST_CARD, intake_body, submitted_in_handle

SNAKE = re.compile(r"\b[a-z]+(?:_[a-z]+)+\b")
ENGLISH = re.compile(r"\b[A-Za-z]{3,}\b")
CJK = re.compile(r"[\u3400-\u9fff]")
# Words a Chinese page may show in Latin letters: the bank's own abbreviations and the zone's name.
LATIN_OK = {"VIP", "CSV", "XLSX", "PDF", "CNY", "Asia", "Shanghai", "III"}  # formats and currencies read alike
# What people typed, and the other language's switch, are not the page's own words.
VISIBLE = """() => { const root = document.body.cloneNode(true);
    root.querySelectorAll('.said, [lang]:not(html), script, style, textarea, input, option:not(:checked)')
        .forEach(e => e.remove());
    root.querySelectorAll('*').forEach(e => { if (e.hidden) e.remove(); });
    return root.innerText; }"""


REFERENCES = re.compile(r"INC-\d{12}-[0-9a-f]{6}|PRB-\d{8}-[0-9a-f]{6}")  # an incident's or a problem's reference


def strangers(text: str, lang: str) -> list[str]:
    text = REFERENCES.sub(" ", text)
    if lang == "en":
        return sorted({line.strip() for line in text.splitlines() if CJK.search(line)})[:10]
    found = set(SNAKE.findall(text)) | {w for w in ENGLISH.findall(text) if w not in LATIN_OK}
    return sorted(found)[:20]


async def _worked_case(api) -> str:
    """A lost-card emergency with a work order answered, two approvals, a response the customer was not
    satisfied with, a note: every kind of row the complaint page shows."""
    cid = await submitted_in_handle(api, intake_body(LOST_CARD, f"AP-{uuid.uuid4().hex[:8]}"), api.channel("app"))
    async with api.http() as h:
        async def post(who, name, **body):
            headers = who if isinstance(who, dict) else await api.as_(who)
            r = await h.post(f"/v1/complaints/{cid}/{name}", json=body, headers=headers)
            assert r.status_code == 200, r.text

        await post("H801", "accept", note="已受理")
        await post("H801", "open_work_order", department="loans", question="客户是否有分期贷款？")
        await post("A601", "answer_work_order", work_order_id="WO-1", answer="有一笔分期")
        await post("H801", "add_note", text="已致电客户")
        await post("H801", "record_disposal", text="卡片已冻结")
        await post("R010", "approve_disposal", note="同意冻结")
        await post("R011", "approve_disposal")
        await post("H801", "propose_response", text=GOOD_RESPONSE, **DECISION)
        await post(api.channel("app"), "customer_feedback", satisfied=False, csat=2, comment="还没退款")
        sup = await api.as_("S001")

        async def back():
            rows = (await h.get("/v1/complaints", params={"reference": cid}, headers=sup)).json()
            return rows and rows[0]["stage"] == "handle"

        await eventually(back)
    return cid


PAGES = {  # who: the pages of their work
    "H801": ["/ui/queue", "/ui/complaints/{cid}", "/ui/inbox", "/ui/messages", "/ui/lookback?month=2026-10"],
    "A601": ["/ui/inbox", "/ui/queue", "/ui/messages"],
    "R010": ["/ui/queue", "/ui/supervise", "/ui/complaints/{cid}"],
    "S001": ["/ui/supervise", "/ui/complaints/{cid}", "/ui/reports/heatmap", "/ui/reports/dashboard",
             "/ui/lookback?month=2026-10", "/ui/messages", "/ui/incidents"],
}


async def _read_every_page(api, browser, cid: str, lang: str) -> dict[str, list[str]]:
    wrong: dict[str, list[str]] = {}
    for who, paths in PAGES.items():
        page = await signed_in(browser, api, who, lang=lang)
        for path in paths:
            path = path.format(cid=cid)
            await page.goto(path)
            await expect(page.locator("main h1")).to_be_visible()
            if "/complaints/" in path:
                await expect(page.locator(".conversation li").first).to_be_visible()
            if found := strangers(await page.evaluate(VISIBLE), lang):
                wrong[f"{who} {path}"] = found
            assert await serious_violations(page) == [], (who, path)
            name = path.strip("/").replace("/", "-").split("?")[0].removeprefix("ui-") or "home"
            await shot(page, f"{lang}/{who}-{'complaint' if '/complaints/' in path else name}")
        await page.context.close()
    return wrong


async def test_every_page_in_chinese_shows_no_internal_name(api, browser):
    cid = await _worked_case(api)
    wrong = await _read_every_page(api, browser, cid, "zh")
    assert wrong == {}, json.dumps(wrong, ensure_ascii=False, indent=1)


async def test_every_page_in_english_shows_no_chinese_name(api, browser):
    cid = await _worked_case(api)
    wrong = await _read_every_page(api, browser, cid, "en")
    assert wrong == {}, json.dumps(wrong, ensure_ascii=False, indent=1)
