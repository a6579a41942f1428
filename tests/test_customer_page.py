"""The customer's own page (/my), from the link in the bank's message, on a phone (Chromium, a phone's
viewport) against the dev server, a real HTTP server and an SMS gateway sink: the link taken from the
acknowledgement the sink got, the code from the sink too, every form pressed through the page's own controls,
in Chinese and in English; the limits, the code by e-mail, and the door's refusal of image ids. The rules
underneath are tests/test_customer_rules.py's tables."""
import contextlib
import json
import re
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from playwright.async_api import Error as PlaywrightError
from playwright.async_api import expect
from sqlmodel import Session, col, select
from starlette.concurrency import run_in_threadpool

from activities.delivery import DeliveryActivities
from api import customer_access as access
from complaints import links
from models.customer import CustomerAccess, CustomerUpload
from models.tables import Notification
from tests.actors import DECISION, GOOD_RESPONSE
from tests.api_support import running
from tests.browser import serious_violations, shot, signed_in
from tests.conftest import eventually, rows
from tests.helpers import free_port
from tests.test_customer_rules import PNG, flip
from tests.test_front_door import intake_body, submitted_in_handle
from tests.test_workbench_desk import FEES
from tools.outbox import Sinks


@dataclass
class Door:
    url: str
    ctx: object
    sink: Path
    smtp: str

    def sent(self) -> list[dict]:
        path = self.sink / "gateway.jsonl"
        return [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines()] if path.exists() else []

    def code_for(self, cid: str) -> str:
        texts = [r["body"]["text"] for r in self.sent() if r["body"].get("complaint_id") == cid
                 and r["body"].get("template") == "access_code"]
        return re.search(r"\d{6}", texts[-1]).group()


@pytest.fixture(scope="module")
async def door(api, client, engine, tmp_path_factory):
    """The API with the bank's SMS gateway (a sink keeping what it gets) and the page's public address."""
    from server.app import build_context

    sink = tmp_path_factory.mktemp("sink")
    sinks = Sinks(sink)
    smtp, gateway = await sinks.start("127.0.0.1", free_port(), free_port())
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    # Every test's browser comes from 127.0.0.1: the per-address limit is tested on a context of its own.
    cfg = api.ctx.settings.model_copy(update={"sms_gateway_url": f"{gateway}/sms", "customer_page_url": url,
                                              "gateway_secret_file": sink / "gateway.secret",
                                              "attempts_per_hour": 100_000})
    cfg.gateway_secret(create=True)
    ctx = await build_context(cfg, client, engine)
    async with running(ctx, port):
        yield Door(url, ctx, sink, smtp)
    await sinks.stop()


async def _delivered_link(door: Door, engine, cid: str, template: str = "acknowledgement") -> str:
    """The outbox's notice delivered through the gateway (the worker's activity); the link the sink got."""
    def notice():
        found = rows(engine, Notification, complaint_id=cid, template=template)
        return found[0] if found else None
    n = await eventually(notice)
    deliver = DeliveryActivities(engine, door.ctx.settings, door.ctx.cipher)
    assert await run_in_threadpool(deliver.deliver, n.key) == "sms"
    [text] = [r["body"]["text"] for r in door.sent() if r["idempotency_key"] == n.key]
    return re.search(r"http://\S+/my/\S+", text).group()


async def phone(browser, door: Door, lang: str = "zh"):
    context = await browser.new_context(base_url=door.url, locale="zh-CN" if lang == "zh" else "en-US",
                                        viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True,
                                        device_scale_factor=2)
    page = await context.new_page()
    page.csp_violations = []
    page.on("console", lambda m: page.csp_violations.append(m.text) if "Content Security Policy" in m.text else None)
    return page


async def _sign_in(page, door: Door, link: str, cid: str) -> None:
    await page.goto(link)
    await page.locator("form[data-form=code] button").click()
    await expect(page.locator("[data-sent]")).to_be_visible()
    await page.locator("#code").fill(door.code_for(cid))
    await page.locator("form[data-form=verify] button").click()
    await expect(page.locator("[data-ref]")).to_have_text(cid)


def _customer(**over) -> dict:
    return {"id": f"C-{uuid.uuid4().hex[:8]}", "name": "周桂兰", "phone": "13512345678", "tier": "standard", **over}


async def test_on_a_phone_an_elderly_customer_follows_answers_rates_and_asks_for_a_review(
        api, door, engine, client, browser, tmp_path):
    from api import service

    cid = await submitted_in_handle(api, intake_body(FEES, f"MY-{uuid.uuid4().hex[:10]}",
                                                     customer=_customer(elderly=True)), api.channel("hotline"))
    link = await _delivered_link(door, engine, cid)
    assert link.endswith("?large=1")  # the intake's elderly flag opens it in large type
    page = await phone(browser, door)

    # The link forwarded (or found) alone: nothing of the complaint, only that a code goes to the phone.
    await page.goto(link)
    assert await page.locator("body.large").count() == 1
    shown = await page.locator("main").inner_text()
    assert "•••• 5678" in shown and cid not in shown and "年费" not in shown and "13512345678" not in shown
    assert await page.locator("[data-stage]").count() == 0
    await page.goto("/my")
    await expect(page.locator("[data-refused=session_over]")).to_contain_text("请重新打开银行消息中的链接")
    await page.goto(link)
    await page.locator("form[data-form=code] button").click()
    await expect(page.locator("[data-sent]")).to_contain_text("验证码已发送到 •••• 5678")
    wrong = f"{(int(door.code_for(cid)) + 1) % 10**6:06d}"
    await page.locator("#code").fill(wrong)
    await page.locator("form[data-form=verify] button").click()
    await expect(page.locator("[data-refused=code_wrong]")).to_have_text("验证码不正确。")
    await page.locator("#code").fill(door.code_for(cid))
    await page.locator("form[data-form=verify] button").click()
    await expect(page.locator("[data-ref]")).to_have_text(cid)
    await expect(page.locator("[data-stage]")).to_have_text("正在调查处理")
    await expect(page.locator("[data-message]").first).to_contain_text(f"您的投诉已受理，编号 {cid}")
    assert await page.locator("body.large").count() == 1
    assert await serious_violations(page) == []
    await shot(page, "customer-page-zh-large")

    # The owner asks for information: the page says what, and takes text and an image.
    async with api.http() as h:
        for name, body in (("accept", {}), ("request_customer_info", {"what": "请提供扣款短信截图"})):
            r = await h.post(f"/v1/complaints/{cid}/{name}", json=body, headers=await api.as_("H501"))
            assert r.status_code == 200, r.text
    await page.reload()
    await expect(page.locator("[data-asked]")).to_contain_text("请提供扣款短信截图")
    form = page.locator("form[data-form=info]")
    not_image = tmp_path / "statement.png"
    not_image.write_bytes(b"%PDF-1.7 not an image at all")
    await form.locator("#images").set_input_files(str(not_image))
    await form.locator("button").click()
    await expect(page.locator("[data-refused=image_not_image]")).to_contain_text("只能上传 JPG、PNG 或 WebP 图片")
    too_large = tmp_path / "huge.png"
    too_large.write_bytes(PNG[:16] + b"\0" * (door.ctx.settings.image_max_bytes + 1))
    await page.locator("form[data-form=info] #images").set_input_files(str(too_large))
    await page.locator("form[data-form=info] button").click()
    await expect(page.locator("[data-refused=image_too_large]")).to_contain_text("图片太大")
    good = tmp_path / "sms.png"
    good.write_bytes(PNG)
    form = page.locator("form[data-form=info]")
    await form.locator("#note").fill("扣款短信截图见附件，扣款日期 12 月 1 日")
    await form.locator("#images").set_input_files(str(good))

    # The first answer is lost on the way back (the request reached the bank); the customer reloads, and the
    # browser sends the form again.
    lost = {"n": 0}

    async def lose_the_answer(route):
        lost["n"] += 1
        if lost["n"] == 1:
            await route.fetch()
            await route.abort()
        else:
            await route.continue_()
    await page.route("**/my/info", lose_the_answer)
    with contextlib.suppress(PlaywrightError):  # the phone shows its own error page
        await form.locator("button").click()
    await page.wait_for_url(lambda url: not url.startswith("http"))
    await page.reload()  # the browser sends the same form again: the same key
    await expect(page.locator("[data-done=info]")).to_contain_text("材料已提交")
    assert lost["n"] == 2
    state = await service.state(client, cid)
    received = [e for e in state.history if e.action == "customer_info_received"]
    assert len(received) == 1 and received[0].actor_role == "customer"
    assert "扣款短信截图见附件" in received[0].detail and "[up_" in received[0].detail
    [upload] = rows(engine, CustomerUpload, complaint_id=cid)
    assert upload.media_type == "image/png" and PNG not in upload.content  # sealed at rest
    image_id = re.search(r"up_[a-z0-9]{20}", received[0].detail).group()
    async with api.http() as h:
        seen = await h.get(f"/v1/complaints/{cid}/attachments/{image_id}", headers=await api.as_("H501"))
        assert seen.status_code == 200 and seen.content == PNG and seen.headers["content-type"] == "image/png"
        other = await h.get(f"/v1/complaints/{cid}/attachments/{image_id}", headers=await api.as_("E207"))
        assert other.status_code in (403, 404)  # another branch's handler reads nothing of it
    # The owner sees it on the complaint's page, and opens it from there.
    desk = await signed_in(browser, api, "H501")
    await desk.goto(f"/ui/complaints/{cid}")
    shown = desk.locator(f"[data-images] a[data-image={image_id}]")
    await expect(shown).to_be_visible()
    opened = await desk.request.get(await shown.get_attribute("href"))
    assert opened.status == 200 and await opened.body() == PNG
    await expect(desk.locator("#h-timeline ~ *").filter(has_text="扣款短信截图见附件").first).to_be_visible()
    await desk.context.close()

    # The decision, then the customer's answer: satisfied or not, a score and a comment.
    async with api.http() as h:
        r = await h.post(f"/v1/complaints/{cid}/propose_response", json={"text": GOOD_RESPONSE, **DECISION},
                         headers=await api.as_("H501"))
        assert r.status_code == 200, r.text
    await page.reload()
    fb = page.locator("form[data-form=feedback]")
    await fb.get_by_label("满意", exact=True).check()
    await fb.get_by_label("4", exact=True).check()
    await fb.locator("#comment").fill("处理及时，谢谢")
    await fb.locator("button").click()
    await expect(page.locator("[data-done=feedback]")).to_have_text("感谢您的评价。")
    state = await service.state(client, cid)
    assert [(f.satisfied, f.csat) for f in state.feedback] == [(True, 4)]

    # Closed: the page offers a review of the decision until its last day; asking twice is one review.
    async def closed():
        await page.reload()
        return await page.locator("[data-stage=closed]").count() == 1
    await eventually(closed)
    await expect(page.locator("[data-review-until]")).to_contain_text("前申请上级机构核查")
    await page.locator("form[data-form=review] #reason").fill("退款金额不对，不同意处理决定")
    await page.locator("form[data-form=review] button").click()
    await expect(page.locator("[data-done=review]")).to_contain_text("核查申请已提交")
    await expect(page.locator("[data-reviewed-in]")).to_be_visible()
    assert await serious_violations(page) == []

    # English by the switch: the page's own words, none of our Chinese; axe-clean too.
    await page.get_by_role("link", name="English").click()
    await expect(page.locator("[data-stage]")).to_have_text("Closed")
    ours = "".join(await page.locator("h1, h2, h3, [data-stage], label, button, summary, [data-outcome]").all_inner_texts())
    assert not re.search(r"[\u4e00-\u9fff]", ours), ours
    assert await serious_violations(page) == []
    await shot(page, "customer-page-en")

    # Every attempt is a row: opened, code, a wrong and a right code, the page, each form.
    with Session(engine) as s:
        seen = {(a.action, a.outcome) for a in s.exec(select(CustomerAccess).where(
            col(CustomerAccess.complaint_id) == cid)).all()}
    assert {("open", "ok"), ("code", "ok"), ("verify", "code_wrong"), ("verify", "ok"), ("page", "ok"),
            ("info", "image_not_image"), ("info", "image_too_large"), ("info", "ok"), ("feedback", "ok"),
            ("review", "ok")} <= seen
    assert not any(cid in (r.path or "") or "/my/HL" in (r.path or "") for r in _request_audit(engine, cid))
    assert "my_session" not in await page.evaluate("document.cookie")  # the session is out of the page's scripts
    await page.context.close()


def _request_audit(engine, cid: str):
    from models.access import RequestAudit

    with Session(engine) as s:
        return list(s.exec(select(RequestAudit).where(col(RequestAudit.path).startswith("/my"))).all())


async def test_an_expired_a_tampered_and_a_revoked_link_are_refused_and_a_customer_withdraws_in_english(
        api, door, engine, client, browser):
    from api import service

    cid = await submitted_in_handle(api, intake_body(FEES, f"MY-{uuid.uuid4().hex[:10]}",
                                                     customer=_customer(language="en", phone="13612340000")),
                                    api.channel("hotline"))
    link = await _delivered_link(door, engine, cid)
    assert "?lang=en" in link
    page = await phone(browser, door, "en")
    token = link.split("/my/")[1].split("?")[0]
    expired = links.issue(door.ctx.cipher.sign, links.LINK, cid, 0, datetime.now(UTC) - timedelta(minutes=1))
    await page.goto(f"/my/{expired}?lang=en")
    await expect(page.locator("[data-refused=link_expired]")).to_contain_text("This link has expired")
    await page.goto(f"/my/{flip(token)}")
    await expect(page.locator("[data-refused=link_tampered]")).to_contain_text("not valid")
    assert cid not in await page.locator("main").inner_text()

    # The switch on the page a form answered (here the code's) leads back to the link's page, in Chinese.
    await page.goto(link)
    await page.locator("form[data-form=code] button").click()
    await expect(page.locator("[data-sent]")).to_contain_text("A code was sent")
    await page.get_by_role("link", name="中文").click()
    await expect(page.locator("form[data-form=code] button")).to_have_text("发送验证码")
    await page.get_by_role("link", name="English").click()
    await _sign_in(page, door, link, cid)
    await expect(page.locator("[data-stage]")).to_have_text("We are looking into it")
    assert await serious_violations(page) == []
    withdraw = page.locator("details.withdraw")
    await withdraw.locator("summary").click()
    await withdraw.locator("#wreason").fill("Sorted out at the branch")
    await withdraw.locator("button").click()
    await expect(page.locator("[data-refused=withdraw_unconfirmed]")).to_be_visible()
    withdraw = page.locator("details.withdraw")
    await withdraw.locator("summary").click()
    await withdraw.locator("#wreason").fill("Sorted out at the branch")
    await withdraw.get_by_label("I confirm I withdraw this complaint").check()
    await withdraw.locator("button").click()
    await expect(page.locator("[data-done=withdraw]")).to_have_text("The complaint is withdrawn.")
    state = await service.state(client, cid)
    assert state.outcome is not None and state.outcome.value == "withdrawn"

    # A supervisor withdraws the links (a lost phone): the old link and the open session end.
    async with api.http() as h:
        r = await h.post(f"/v1/complaints/{cid}/customer-links/revoke", headers=await api.as_("S001"))
        assert r.status_code == 200 and r.json()["epoch"] == 1, r.text
        denied = await h.post(f"/v1/complaints/{cid}/customer-links/revoke", headers=await api.as_("H501"))
        assert denied.status_code == 403
    await page.goto(link)
    await expect(page.locator("[data-refused=link_revoked]")).to_contain_text("withdrawn")
    await page.goto("/my")
    await expect(page.locator("[data-refused=session_over]")).to_be_visible()
    await page.context.close()


async def test_codes_and_addresses_are_limited_per_hour(api, door, engine):
    cid = await submitted_in_handle(api, intake_body(FEES, f"MY-{uuid.uuid4().hex[:10]}", customer=_customer()),
                                    api.channel("hotline"))
    link = await _delivered_link(door, engine, cid)
    path = "/my/" + link.split("/my/")[1].split("?")[0]
    async with api.http() as h:
        h.base_url = door.url
        said = [(await h.post(f"{path}/code")).status_code for _ in range(door.ctx.settings.codes_per_hour + 1)]
        assert said[:-1] == [200] * door.ctx.settings.codes_per_hour and said[-1] == 429
        # Guessing: wrong codes spend the newest code; the right one then opens nothing.
        code = door.code_for(cid)
        for _ in range(door.ctx.settings.code_tries):
            await h.post(f"{path}/verify", data={"code": f"{(int(code) + 1) % 10**6:06d}"})
        spent = await h.post(f"{path}/verify", data={"code": code})
        assert "data-refused=\"code_spent\"" in spent.text and "my_session" not in spent.headers.get("set-cookie", "")
    with Session(engine) as s:
        tried = s.exec(select(CustomerAccess).where(col(CustomerAccess.complaint_id) == cid,
                                                    col(CustomerAccess.action) == "code")).all()
    assert [t.outcome for t in tried].count("codes_too_many") == 1


async def test_one_address_trying_many_links_is_refused_for_the_hour(api, door, engine, client):
    from server.app import build_context

    address = access.address_tag(door.ctx.cipher, "127.0.0.1")
    with Session(engine) as s:
        already = len(s.exec(select(CustomerAccess.id).where(
            col(CustomerAccess.address_tag) == address, col(CustomerAccess.outcome) != "ok",
            col(CustomerAccess.at) > datetime.now(UTC) - timedelta(hours=1))).all())
    strict = await build_context(door.ctx.settings.model_copy(update={"attempts_per_hour": already + 3}), client, engine)
    cid = await submitted_in_handle(api, intake_body(FEES, f"MY-{uuid.uuid4().hex[:10]}", customer=_customer()),
                                    api.channel("hotline"))
    good = "/my/" + (await _delivered_link(door, engine, cid)).split("/my/")[1].split("?")[0]
    async with running(strict) as url, api.http() as h:
        h.base_url = url
        fine = [(await h.get(good)).status_code for _ in range(5)]  # a customer opening their own link: no failure
        said = [(await h.get(f"/my/HL{n:010d}.zz.0.AAAAAAAAAAAAAAAAAAAAAA")).status_code for n in range(5)]
        after = (await h.get(good)).status_code
    assert fine == [200] * 5 and said == [404, 404, 404, 429, 429] and after == 429


async def test_a_bank_that_sends_the_code_by_e_mail(api, door, engine, client):
    """CODE_BY=email: the second factor is the mailbox on record; the page names it by its first letter."""
    import email
    from email import policy

    import httpx

    from server.app import build_context

    cid = await submitted_in_handle(api, intake_body(FEES, f"MY-{uuid.uuid4().hex[:10]}", customer=_customer(
        email="zhou.guilan@example.com")), api.channel("hotline"))
    token = (await _delivered_link(door, engine, cid)).split("/my/")[1].split("?")[0]
    by_mail = await build_context(door.ctx.settings.model_copy(update={"code_by": "email", "smtp_url": door.smtp}),
                                  client, engine)

    def mailed():
        for path in door.sink.glob("mail-*.eml"):
            message = email.message_from_bytes(path.read_bytes(), policy=policy.default)
            if cid in str(message["Subject"]) and message["To"] == "zhou.guilan@example.com":
                return message.get_content()
        return None
    async with running(by_mail) as url, httpx.AsyncClient(base_url=url, timeout=30) as h:
        opened = await h.get(f"/my/{token}")
        assert "z•••@example.com" in opened.text and "5678" not in opened.text and "邮箱" in opened.text
        assert "data-sent" in (await h.post(f"/my/{token}/code")).text
        code = re.search(r"\d{6}", await eventually(mailed)).group()
        verified = await h.post(f"/my/{token}/verify", data={"code": code})
        assert verified.status_code == 303 and "my_session=" in verified.headers["set-cookie"]


async def test_only_the_customer_s_page_names_images(api, engine):
    """A channel (or a person) that names image ids is refused at the door, with a code: only the page stored
    any, and an id of another complaint's image would open nothing anyway."""
    cid = await submitted_in_handle(api, intake_body(FEES, f"MY-{uuid.uuid4().hex[:10]}", customer=_customer()),
                                    api.channel("hotline"))
    async with api.http() as h:
        r = await h.post(f"/v1/complaints/{cid}/customer_info_received",
                         json={"note": "见附件", "attachments": ["up_aaaaaaaaaaaaaaaaaaaa"]}, headers=api.channel("hotline"))
    assert r.status_code == 422 and r.json()["code"] == "attachments_from_page", r.text
