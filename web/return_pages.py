"""The regulator's returns on the workbench, for supervisors: a quarter's statistics return read on the page,
with its CSV and XLSX from the API (reports/returns.py)."""
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse
from starlette.concurrency import run_in_threadpool

from api.access import allowed
from api.context import Context, context
from api.identity import Principal
from web.common import render, viewer
from workflows.permissions import Can

RETURNS = allowed(Can.RETURNS, viewer)
router = APIRouter(prefix="/ui", include_in_schema=False)


@router.get("/reports/returns", response_class=HTMLResponse)
async def quarterly(request: Request, quarter: Annotated[str | None, Query(pattern=r"^\d{4}Q[1-4]$")] = None,
                    principal: Principal = Depends(RETURNS), ctx: Context = Depends(context)):
    from reports import returns
    from sla.periods import quarter_of

    tz = ctx.settings.policy().timezone
    quarter = quarter or quarter_of(datetime.now(UTC), tz)
    table = ctx.settings.code_table()
    got = await run_in_threadpool(returns.compute, ctx.engine, quarter, tz, table)
    return render(request, "returns.html", principal, ctx, r=got, quarter=quarter, header=returns.header(),
                  rows=returns.rows_of(got, table))
