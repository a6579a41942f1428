"""A real browser for the workbench tests: Debian's chromium driven by Playwright (its own browser
download does not work on these machines), a context per person, screenshots, and axe-core (vendored)."""
import os
from pathlib import Path

import pytest

from tests.api_support import PASSWORD

CHROMIUM = "/usr/bin/chromium"
AXE = Path(__file__).parent / "vendor" / "axe-4.14.1.min.js"
# Where docs/workbench.md says the workbench's screenshots are written.
SCREENSHOTS = Path(os.environ.get("SCREENSHOT_DIR") or Path(__file__).parent.parent / "screenshots")
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="session")
async def browser():
    if not Path(CHROMIUM).exists():
        pytest.exit("Debian's chromium is not installed (apt-get install chromium; .ci/run does)", returncode=3)
    from playwright.async_api import async_playwright

    async with async_playwright() as p:
        b = await p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield b
        await b.close()


async def signed_in(browser, api, user: str, lang: str = "zh"):
    """A page in a browser context of its own, signed in through the sign-in form."""
    context = await browser.new_context(base_url=api.url, locale="zh-CN" if lang == "zh" else "en-US",
                                        viewport={"width": 1280, "height": 900})
    page = await context.new_page()
    # The pages run under a policy with no inline script: anything it blocks is a broken page.
    page.csp_violations = []
    page.on("console", lambda m: page.csp_violations.append(m.text) if "Content Security Policy" in m.text else None)
    await page.goto("/ui/login")
    if lang == "en":
        await page.get_by_role("link", name="English").click()
    await page.locator("#username").fill(user)
    await page.locator("#password").fill(PASSWORD)
    await page.locator("form.login button[type=submit]").click()
    await page.wait_for_url(lambda url: "/ui/login" not in url)
    return page


async def shot(page, name: str) -> Path:
    assert getattr(page, "csp_violations", []) == [], page.csp_violations
    path = SCREENSHOTS / f"{name}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(path), full_page=True)
    return path


async def serious_violations(page) -> list[str]:
    """axe-core's serious and critical findings on the page as it is now."""
    # Evaluated through the browser's debugging protocol: the page's own policy runs no inline script, and
    # that is what the rest of the test proves, so axe is not added as a <script> tag.
    await page.evaluate(AXE.read_text(encoding="utf-8") + "\n;0")
    result = await page.evaluate("async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
                                 ".filter(v => ['serious', 'critical'].includes(v.impact))"
                                 ".map(v => v.id + ': ' + v.nodes.map(n => n.target.join(' ')).slice(0, 3).join(', '))")
    return result
