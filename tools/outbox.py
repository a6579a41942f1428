"""The outbox for operators and newcomers: what it holds, and the local sinks `complaints up`
starts so a newcomer sees what was sent without a real SMTP server or SMS gateway."""
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from aiohttp import web
from sqlalchemy.engine import Engine

from models.tables import Notification


def status(n: Notification) -> str:
    return "sent" if n.sent_at else "undelivered" if n.escalated else "failed" if n.failed_at else "pending"


def listed(engine: Engine, limit: int = 50, only: str | None = None) -> list[Notification]:
    from complaints.reads import outbox

    return outbox(engine, limit, only)


class Sinks:
    """A local SMTP server and SMS/app gateway that keep what they get under DATA_DIR/outbox/."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.smtp: Any = None  # aiosmtpd's Controller once started (imported only where it runs)
        self.runner: web.AppRunner | None = None

    async def start(self, host: str, smtp_port: int, gateway_port: int) -> tuple[str, str]:
        from aiosmtpd.controller import Controller

        self.folder.mkdir(parents=True, exist_ok=True)
        folder = self.folder

        class Keep:
            async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
                stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
                (folder / f"mail-{stamp}.eml").write_bytes(envelope.content)
                return "250 kept"

        self.smtp = Controller(Keep(), hostname=host, port=smtp_port)
        self.smtp.start()

        async def keep(request: web.Request) -> web.Response:
            record = {"at": datetime.now(UTC).isoformat(), "path": request.path,
                      "idempotency_key": request.headers.get("Idempotency-Key"), "body": await request.json()}
            with (folder / "gateway.jsonl").open("a", encoding="utf-8") as f:
                f.write(json.dumps(record, ensure_ascii=False) + "\n")
            return web.json_response({"accepted": True})

        app = web.Application()
        app.router.add_post("/{kind}", keep)
        self.runner = web.AppRunner(app)
        await self.runner.setup()
        await web.TCPSite(self.runner, host, gateway_port).start()
        return f"smtp://{host}:{smtp_port}", f"http://{host}:{gateway_port}"

    async def stop(self) -> None:
        if self.smtp is not None:
            self.smtp.stop()
        if self.runner is not None:
            await self.runner.cleanup()
