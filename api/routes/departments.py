"""The department registry at the door: listed for people and scripts, and checked before a message that
names a department reaches a complaint (the workflow checks again against the ids pinned at its start)."""
from fastapi import APIRouter, Depends
from pydantic import BaseModel

from api.context import Context, context
from api.identity import Principal, person
from models import messages as m
from models.departments import Department, unknown

router = APIRouter(prefix="/v1", tags=["departments"])


class Departments(BaseModel):
    departments: list[Department]


@router.get("/departments", response_model=Departments, summary="The registered departments (id, names, desk)")
async def departments(principal: Principal = Depends(person), ctx: Context = Depends(context)) -> Departments:
    return Departments(departments=ctx.settings.departments().departments)


def department_refusal(msg: m.Message, ctx: Context) -> str | None:
    """Why a message names a department that is not registered, or None."""
    named = msg.department if isinstance(msg, (m.OpenWorkOrder, m.Reassign)) else None
    return unknown(named, ctx.settings.departments().ids) if named else None
