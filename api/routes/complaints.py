"""Intake and every contract message as an endpoint. The actor is the verified principal's, always."""
from datetime import UTC, datetime

from fastapi import APIRouter, Body, Depends, Path, Request, Response
from pydantic import BaseModel, ValidationError

from api import service
from api.context import Context, context
from api.errors import problem
from api.idempotency import IDEMPOTENCY_KEY, message_id
from api.identity import Principal, anyone
from api.problems import Problem
from api.routes.departments import door_refusal
from models.enums import Channel, Role
from models.errors import explain
from models.intake import Actor, IntakeRequest, channel_of
from models.policy import approx_span
from models.requests import with_actor
from models.state import Ack
from workflows.contract import MESSAGES, REQUESTS
from workflows.permissions import intake_refusal, sender_refusal

router = APIRouter(prefix="/v1/complaints", tags=["complaints"])
COMPLAINT_ID = Path(pattern=r"^[A-Z]{2}\d{10}$", description="The reference number, e.g. HL0123456789")
CHANNEL_VIEW = {"complaint_id", "action", "seq", "stage", "outcome", "pending_outcome", "waiting_on_customer"}


class Submitted(BaseModel):
    complaint_id: str
    workflow_id: str
    created: bool
    channel: Channel
    first_responder: str


@router.post("", status_code=201, response_model=Submitted, summary="Submit a complaint (a channel or a handler)",
             responses={200: {"description": "submitted before: the same reference, nothing new started"}})
async def submit(request: Request, response: Response, body: IntakeRequest, principal: Principal = Depends(anyone),
                 ctx: Context = Depends(context)) -> Submitted:
    if refused := intake_refusal(principal, body.channel):
        raise Problem(403, "forbidden", refused, field="channel" if body.channel is not None else None)
    if principal.kind == "channel":
        assert principal.channel is not None
        channel = principal.channel
        received_by = Actor(id=f"{channel.value}-desk", role=Role.INTAKE, department=principal.department)
    else:
        if body.channel is None:
            raise Problem(422, "invalid", "channel: which channel the customer came by", field="channel")
        channel, received_by = body.channel, principal.actor
    try:
        intake = body.taken_by(channel, received_by, datetime.now(UTC))
    except ValidationError as e:
        raise Problem(422, "invalid", explain(e)) from None
    try:
        got = await service.submit(ctx.client, intake, ctx.settings.task_queue,
                                   oldest=approx_span(ctx.settings.policy().limits.oldest_intake))
    except service.ComplaintError as e:
        raise Problem(422, "invalid", str(e), field="received_at") from None
    request.state.outcome = "created" if got.created else "repeat"
    response.status_code = 201 if got.created else 200
    response.headers["Location"] = f"/v1/complaints/{got.complaint_id}"
    return Submitted(complaint_id=got.complaint_id, workflow_id=got.workflow_id, created=got.created, channel=channel,
                     first_responder=received_by.id)


def _message_route(name: str) -> None:
    cls, model = MESSAGES[name], REQUESTS[name]

    async def endpoint(request: Request, complaint_id: str = COMPLAINT_ID, body: model = Body(),  # type: ignore[valid-type]
                       principal: Principal = Depends(anyone), ctx: Context = Depends(context),
                       idempotency_key: str | None = IDEMPOTENCY_KEY) -> dict:
        if refused := sender_refusal(principal, name, channel_of(complaint_id)):
            raise Problem(403, "forbidden", refused)
        msg = with_actor(cls, body, principal.actor.model_dump())
        if rule := door_refusal(msg, ctx):
            raise Problem(422, "rule", rule[1], field=rule[0], code=rule[1].code, values=rule[1].values)
        try:
            ack = await service.acknowledge(ctx.client, complaint_id, name, msg,
                                            message_id(principal, idempotency_key))
        except service.ComplaintError as e:
            raise problem(e) from None
        request.state.outcome = f"applied #{ack.seq}"
        return ack.model_dump(mode="json", include=CHANNEL_VIEW if principal.kind == "channel" else None)

    endpoint.__name__ = name
    router.add_api_route(f"/{{complaint_id}}/{name}", endpoint, methods=["POST"], response_model=None,
                         summary=(cls.__doc__ or name).strip().splitlines()[0] if cls.__doc__ else name.replace("_", " "),
                         responses={200: {"model": Ack}})


for _name in MESSAGES:
    _message_route(_name)
