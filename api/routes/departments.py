"""The department registry at the door: listed for people and scripts, and checked (with the taxonomy's labels)
before a message reaches a complaint (the workflow checks departments again against the ids pinned at start)."""
from fastapi import APIRouter, Depends
from pydantic import BaseModel

from api.context import Context, context
from api.identity import Principal, person
from classifier import label_refusal
from models import messages as m
from models.departments import Department, unknown
from models.enums import Role
from models.reasons import Reason, why

router = APIRouter(prefix="/v1", tags=["departments"])


class Departments(BaseModel):
    departments: list[Department]


@router.get("/departments", response_model=Departments, summary="The registered departments (id, names, desk)")
async def departments(principal: Principal = Depends(person), ctx: Context = Depends(context)) -> Departments:
    return Departments(departments=ctx.settings.departments().departments)


def door_refusal(msg: m.Message, ctx: Context) -> tuple[str, Reason] | None:
    """(field, why) when a message names what the bank has not registered: a department not in the registry,
    or a label not in the taxonomy. The API and the workbench both ask here before sending."""
    if isinstance(msg, m.CustomerInfoReceived) and msg.attachments and msg.actor.role is not Role.CUSTOMER:
        # An id names an image the customer's page stored: nobody else has one to name.
        return "attachments", why("attachments_from_page", actor=msg.actor.id)
    named = msg.department if isinstance(msg, (m.OpenWorkOrder, m.Reassign)) else None
    if named and (reason := unknown(named, ctx.settings.departments().ids)):
        return "department", reason
    if isinstance(msg, m.CorrectClassification) and (
            label := label_refusal(ctx.classifier, msg.business_type, msg.problem_nature)):
        return label.values["field"], label
    return None
