"""The bank's side of the customer's page: a supervisor withdraws every link sent so far (a phone lost, a link
forwarded; the next message carries a new one), and staff who may read a complaint open the images its
customer sent with the information asked for (sealed at rest, opened per request, never cached)."""
from datetime import UTC, datetime

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import Response
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from api import customer_access
from api.access import allowed, readable_state
from api.context import Context, context
from api.identity import Principal
from api.problems import Problem
from api.routes.complaints import COMPLAINT_ID
from workflows.permissions import Can

router = APIRouter(prefix="/v1", tags=["customer page"])
UPLOAD_ID = Path(pattern=r"^up_[a-z0-9]{20}$", description="An image's id, as the complaint's timeline names it")


class Revoked(BaseModel):
    complaint_id: str
    epoch: int


@router.post("/complaints/{complaint_id}/customer-links/revoke", response_model=Revoked,
             summary="Withdraw every link to the customer's page sent so far (and end its open sessions)")
async def revoke(request: Request, complaint_id: str = COMPLAINT_ID,
                 principal: Principal = Depends(allowed(Can.REVOKE_LINKS)), ctx: Context = Depends(context)) -> Revoked:
    epoch = await run_in_threadpool(customer_access.revoke_links, ctx.engine, complaint_id)
    if epoch is None:
        raise Problem(404, "not-found", f"no complaint {complaint_id} in the read model")
    await run_in_threadpool(customer_access.record, ctx.engine, complaint_id, "revoke", f"by {principal.id}", "",
                            datetime.now(UTC))
    request.state.outcome = f"links before epoch {epoch} revoked"
    return Revoked(complaint_id=complaint_id, epoch=epoch)


@router.get("/complaints/{complaint_id}/attachments/{upload_id}", response_class=Response,
            summary="An image the customer sent on their page", responses={200: {"content": {"image/png": {}}}})
async def attachment(request: Request, complaint_id: str = COMPLAINT_ID, upload_id: str = UPLOAD_ID,
                     principal: Principal = Depends(allowed(Can.READ_COMPLAINT)),
                     ctx: Context = Depends(context)) -> Response:
    await readable_state(ctx, principal, complaint_id)  # whoever may read this complaint, and no one else
    found = await run_in_threadpool(customer_access.open_image, ctx.engine, ctx.cipher, complaint_id, upload_id)
    if found is None:
        raise Problem(404, "not-found", f"no image {upload_id} on {complaint_id} (erased past retention, or never)")
    media_type, data = found
    request.state.outcome = "image opened"
    return Response(data, media_type=media_type, headers={"Cache-Control": "no-store",
                                                          "Content-Disposition": f'inline; filename="{upload_id}"'})
