"""Staff sign in to the workbench at the bank's identity provider, in Chromium: OpenID Connect's authorization
code flow with PKCE against a real provider (oidc-provider, from npm), the roles from its claims, sign-out
ending the session here and there; a forged callback, a replayed code, a provider that is not the configured
issuer, an expired ID token and a person with no role here are each refused with a page that says why."""
import asyncio
import dataclasses

import httpx
import pytest
from aiohttp import web

from api.identity import SESSION_COOKIE
from tests.api_support import PASSWORD, running
from tests.helpers import free_port
from tests.idp import ROLE_MAP, provider

pytestmark = pytest.mark.browser


def sso_ctx(api, tmp_path, issuer: str, client_id: str, secret: str, **more):
    secret_file = tmp_path / f"{client_id}.secret"
    secret_file.write_text(secret)
    settings = api.ctx.settings.model_copy(update={
        "oidc_issuer": issuer, "oidc_client_id": client_id, "oidc_client_secret_file": secret_file,
        "oidc_role_map": ROLE_MAP, "local_accounts": False, "cookie_secure": False, **more})
    return dataclasses.replace(api.ctx, settings=settings)


async def at_provider_sign_in(page, user: str) -> None:
    """The provider's own login form, as a person fills it in."""
    await page.wait_for_selector("input[name=login]")
    await page.fill("input[name=login]", user)
    await page.fill("input[name=password]", "whatever the bank's directory checks")
    await page.click("button[type=submit]")


async def test_staff_sign_in_with_the_banks_provider_and_out_again(browser, api, tmp_path):
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    async with provider(tmp_path, url, {"complaints-workbench": 3600}) as idp, \
            running(sso_ctx(api, tmp_path, idp.issuer, "complaints-workbench",
                            idp.clients["complaints-workbench"]), port):
        context = await browser.new_context(locale="zh-CN")
        page = await context.new_page()
        callbacks: list[str] = []
        page.on("request", lambda r: callbacks.append(r.url) if "/ui/sso/callback" in r.url else None)
        await page.goto(f"{url}/ui/supervise")  # a page that needs a person: to the sign-in page first
        assert "/ui/login" in page.url
        assert await page.locator("#password").count() == 0  # local accounts are off here
        await page.get_by_role("link", name="使用银行统一身份认证登录").click()
        await page.wait_for_url(f"{idp.issuer}/**")
        started = [c for c in await context.cookies(f"{url}/ui/sso/callback") if c["name"] == "complaints_sso"]
        assert started and started[0]["httpOnly"] and started[0]["sameSite"] == "Lax"
        await at_provider_sign_in(page, "S900")
        await page.wait_for_url(f"{url}/ui/supervise")
        header = await page.locator("header .who").inner_text()
        assert "当前用户" in header and "S900" in header and "主管" in header
        me = await (await page.request.get(f"{url}/v1/auth/me")).json()
        assert (me["id"], me["role"], me["department"], me["via"]) == ("S900", "supervisor", "complaints", "oidc")
        session = next(c["value"] for c in await context.cookies(url) if c["name"] == SESSION_COOKIE)
        # The provider's answer again, with the cookie this browser had then: the code is spent.
        assert len(callbacks) == 1 and "code=" in callbacks[0]
        async with httpx.AsyncClient() as h:
            replayed = await h.get(callbacks[0], cookies={"complaints_sso": started[0]["value"]})
            assert replayed.status_code == 400 and "refused the code" in replayed.text
            assert SESSION_COOKIE not in replayed.cookies
            # Local passwords are switched off: the API refuses them too.
            refused = await h.post(f"{url}/v1/auth/token", data={"username": "S001", "password": PASSWORD})
            assert refused.status_code == 401 and "switched off" in refused.json()["detail"]
        # Signing out ends the session here and at the provider, and the old cookie signs nobody in again.
        await page.get_by_role("button", name="退出").click()
        await page.wait_for_url(f"{idp.issuer}/**")
        await page.get_by_role("button", name="Yes, sign me out").click()
        await page.wait_for_url(f"{url}/ui/login")
        async with httpx.AsyncClient() as h:
            stale = await h.get(f"{url}/v1/auth/me", cookies={SESSION_COOKIE: session})
        assert stale.status_code == 401 and "signed out" in stale.json()["detail"]
        # Signing in again goes through the provider's own form: its session ended too.
        await page.get_by_role("link", name="使用银行统一身份认证登录").click()
        await page.wait_for_selector("input[name=login]")
        await context.close()


async def test_what_the_workbench_refuses_at_sign_in(browser, api, tmp_path):
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    clients = {"complaints-workbench": 3600, "short-lived": 1}
    async with provider(tmp_path, url, clients) as idp:
        ctx = sso_ctx(api, tmp_path, idp.issuer, "complaints-workbench", idp.clients["complaints-workbench"])
        async with running(ctx, port):
            context = await browser.new_context(locale="zh-CN")
            page = await context.new_page()
            # A forged callback: a code and state this browser never asked for.
            r = await page.goto(f"{url}/ui/sso/callback?code=forged&state=forged")
            assert r.status == 400 and "未能登录" in await page.inner_text("h1")
            assert "did not start a sign-in" in await page.inner_text("[role=alert]")
            # A bank account with no role in the complaints system: a clear page, in the reader's language.
            await context.add_cookies([{"name": "complaints_lang", "value": "en", "url": url}])
            await page.goto(f"{url}/ui/login")
            await page.get_by_role("link", name="Sign in with the bank's identity provider").click()
            await at_provider_sign_in(page, "T100")
            await page.wait_for_url(f"{url}/ui/sso/callback**")
            assert "has no role in the complaints system" in await page.inner_text("[role=alert]")
            assert SESSION_COOKIE not in {c["name"] for c in await context.cookies(url)}
            # The answer to another browser's sign-in: its state is not this browser's.
            async with httpx.AsyncClient() as other:
                theirs = (await other.get(f"{url}/ui/sso/login")).headers["location"]
            state = httpx.URL(theirs).params["state"]
            await context.clear_cookies()
            mine = await context.new_page()
            await mine.goto(f"{url}/ui/sso/login")  # this browser starts its own sign-in ...
            await mine.wait_for_url(f"{idp.issuer}/**")
            r = await mine.goto(f"{url}/ui/sso/callback?code=stolen&state={state}")  # ... and is handed theirs
            assert r.status == 400 and "does not belong to the sign-in this browser started" in await mine.content()
            await context.close()

        # The ID token has expired by the time it is checked: a lifetime of 1 s, no leeway, and the provider's
        # keys slow to come (a key server that answers after 2.5 s).
        async def slow_keys(_request):
            await asyncio.sleep(2.5)
            async with httpx.AsyncClient() as h:
                return web.json_response((await h.get(f"{idp.issuer}/jwks")).json())

        keys_app = web.Application()
        keys_app.router.add_get("/jwks", slow_keys)
        runner = web.AppRunner(keys_app)
        await runner.setup()
        keys_port = free_port()
        await web.TCPSite(runner, "127.0.0.1", keys_port).start()
        short = sso_ctx(api, tmp_path, idp.issuer, "short-lived", idp.clients["short-lived"], oidc_leeway_seconds=0,
                        oidc_jwks_url=f"http://127.0.0.1:{keys_port}/jwks")
        try:
            async with running(short, port):
                context = await browser.new_context(locale="zh-CN")
                page = await context.new_page()
                await page.goto(f"{url}/ui/sso/login")
                await at_provider_sign_in(page, "S900")
                await page.wait_for_url(f"{url}/ui/sso/callback**")
                assert "ID token: the token has expired" in await page.inner_text("[role=alert]")
                assert SESSION_COOKIE not in {c["name"] for c in await context.cookies(url)}
                await context.close()
        finally:
            await runner.cleanup()

    # A provider whose discovery names another issuer than the one configured: nobody is sent there.
    async with provider(tmp_path, url, {"complaints-workbench": 3600}) as idp:
        wrong = idp.issuer.replace("localhost", "127.0.0.1")
        async with running(sso_ctx(api, tmp_path, wrong, "complaints-workbench",
                                   idp.clients["complaints-workbench"]), port):
            async with httpx.AsyncClient() as h:
                r = await h.get(f"{url}/ui/sso/login")
            assert r.status_code == 503 and "OIDC_ISSUER must be exactly the provider&#39;s issuer" in r.text
