"""The regulator's returns through the API: the quarterly statistics return (reports/returns.py) as JSON, CSV or
XLSX."""
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
