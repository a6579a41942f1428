"""The regulator's returns through the API: the quarterly statistics return (reports/returns.py) as JSON, CSV or
XLSX, and the annual public disclosure (reports/disclosure.py) as JSON, HTML or PDF."""
from typing import Literal

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from api.access import allowed
from api.context import Context, context
from api.identity import Principal
from api.problems import Problem
from workflows.permissions import Can

router = APIRouter(prefix="/v1/returns", tags=["returns"])
RETURNS = allowed(Can.RETURNS)
QUARTER = Path(pattern=r"^\d{4}Q[1-4]$", description="e.g. 2026Q4")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@router.get("/quarterly/{quarter}", summary="The quarterly statistics return (JSON, CSV or XLSX)")
async def quarterly(request: Request, quarter: str = QUARTER, format: Literal["json", "csv", "xlsx"] = "json",
                    principal: Principal = Depends(RETURNS), ctx: Context = Depends(context)) -> Response:
    from reports import returns

    table = ctx.settings.code_table()

    def build() -> Response:
        try:
            got = returns.compute(ctx.engine, quarter, ctx.settings.policy().timezone, table)
        except ValueError as e:
            raise Problem(422, "invalid", str(e), field="quarter") from None
        if format == "json":
            return JSONResponse(got.model_dump(mode="json"))
        name = f"return-{quarter}.{format}"
        headers = {"Content-Disposition": f'attachment; filename="{name}"'}
        if format == "csv":
            return Response(returns.as_csv(got, table).encode(), media_type="text/csv; charset=utf-8",
                            headers=headers)
        return Response(returns.as_xlsx(got, table), media_type=XLSX, headers=headers)

    response = await run_in_threadpool(build)
    request.state.outcome = f"quarterly return {quarter} as {format}"
    return response


@router.get("/disclosure/{year}", summary="The annual public disclosure, beside the year before (JSON, HTML or PDF)")
async def disclosure(request: Request, year: int = Path(ge=2000, le=2100),
                     format: Literal["json", "html", "pdf"] = "json", principal: Principal = Depends(RETURNS),
                     ctx: Context = Depends(context)) -> Response:
    import tempfile
    from pathlib import Path as FsPath

    from reports import disclosure as dc

    table = ctx.settings.code_table()

    def build() -> Response:
        got = dc.compute(ctx.engine, year, ctx.settings.policy().timezone, table, ctx.settings.departments())
        if format == "json":
            return JSONResponse(got.model_dump(mode="json"))
        with tempfile.TemporaryDirectory() as out:
            png = dc.chart(got, table, FsPath(out) / "chart.png")
        if format == "html":
            return Response(dc.page(got, table, png), media_type="text/html; charset=utf-8")
        return Response(dc.pdf(got, table, png), media_type="application/pdf",
                        headers={"Content-Disposition": f'attachment; filename="disclosure-{year}.pdf"'})

    response = await run_in_threadpool(build)
    request.state.outcome = f"annual disclosure {year} as {format}"
    return response
