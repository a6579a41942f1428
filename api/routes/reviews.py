"""The customer's review (核查) of a decision, asked for through their channel (or keyed in by the bank's
people for a channel they key in): `POST /v1/complaints/{id}/review`. See api/reviews.py."""
from datetime import UTC, datetime

from fastapi import APIRouter, Depends, Request, Response
from pydantic import BaseModel

from api import reviews
from api.context import Context, context
from api.identity import Principal, anyone
from api.problems import Problem, Refused
from api.routes.complaints import COMPLAINT_ID
from models.intake import channel_of
from workflows.permissions import intake_refusal

router = APIRouter(prefix="/v1/complaints", tags=["complaints"])


class ReviewStarted(BaseModel):
    complaint_id: str     # the review's own reference: its messages go there
    review_of: str
    department: str       # the higher-level unit that reviews
    created: bool


@router.post("/{complaint_id}/review", status_code=201, response_model=ReviewStarted,
             summary="The customer asks for a review (核查) of the decision, within 30 days of it",
             responses={200: {"description": "asked for before: the same review, nothing new started"}})
async def ask_for_review(request: Request, response: Response, body: reviews.ReviewRequest,
                         complaint_id: str = COMPLAINT_ID, principal: Principal = Depends(anyone),
                         ctx: Context = Depends(context)) -> ReviewStarted:
    # The customer asks, so their channel (for its own customers) or a person keying in for that channel.
    if refused := intake_refusal(principal, channel_of(complaint_id)):
        raise Problem(403, "forbidden", refused)
    policy = ctx.settings.policy()
    try:
        started = await reviews.apply(ctx.client, ctx.engine, ctx.cipher, ctx.settings.departments(),
                                      ctx.settings.task_queue, complaint_id, body, datetime.now(UTC),
                                      policy.timezone)
    except Refused as e:
        raise e.problem() from None
    request.state.outcome = "review started" if started.review.created else "review asked for before"
    response.status_code = 201 if started.review.created else 200
    response.headers["Location"] = f"/v1/complaints/{started.review.complaint_id}"
    return ReviewStarted(complaint_id=started.review.complaint_id, review_of=started.original,
                         department=started.department, created=started.review.created)
