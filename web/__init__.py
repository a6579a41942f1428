"""The workbench: server-rendered pages for handlers, departments and supervisors, served by the API; and the
customer's own page (/my), from the link in every message the bank sends them."""


def install(app) -> None:
    """Mount the pages under /ui, their vendored assets under /ui/static, and the sign-in redirect."""
    from fastapi.responses import RedirectResponse
    from fastapi.staticfiles import StaticFiles

    from web import (
        auth_pages,
        complaint_pages,
        customer_pages,
        desk_pages,
        incident_pages,
        problem_pages,
        record_pages,
        referral_pages,
        return_pages,
        sso_pages,
    )
    from web.common import HERE, LoginRequired, to_login

    for module in (auth_pages, sso_pages, complaint_pages, desk_pages, incident_pages, record_pages, referral_pages,
                   return_pages, problem_pages, customer_pages):
        app.include_router(module.router)
    app.mount("/ui/static", StaticFiles(directory=HERE / "static"), name="static")
    app.add_exception_handler(LoginRequired, to_login)

    @app.get("/", include_in_schema=False)
    async def root() -> RedirectResponse:
        return RedirectResponse("/ui/", status_code=303)
