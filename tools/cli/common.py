"""Shared CLI plumbing: running async code, clean one-line errors, the acting person."""
import asyncio
import json
import sys
from collections.abc import Coroutine
from typing import Annotated, Any, NoReturn

import typer
from pydantic import BaseModel, ValidationError
from temporalio.service import RPCError

from api.service import ComplaintError
from complaints.codec import MissingKey
from complaints.config import settings
from models.enums import Role
from models.errors import explain
from models.intake import Actor
from tools.cli.render import console, err_console, safe

JsonFlag = Annotated[bool, typer.Option("--json", help="Print JSON for scripts instead of tables.")]
ActorId = Annotated[str, typer.Option("--as", envvar="COMPLAINTS_ACTOR_ID", help="Who is acting (employee id).")]
ActorRole = Annotated[Role, typer.Option("--role", envvar="COMPLAINTS_ACTOR_ROLE", help="The acting person's role.")]
ActorDept = Annotated[str, typer.Option("--department", "--dept", envvar="COMPLAINTS_ACTOR_DEPARTMENT",
                                        help="The acting person's department.")]


def actor(actor_id: str, role: Role, department: str) -> Actor:
    return Actor(id=actor_id, role=role, department=department)


def fail(message: str, code: int = 1) -> NoReturn:
    """One line, never wrapped (scripts grep it), with any markup in the message printed as it is."""
    err_console.print(f"[bold red]error:[/] {safe(message)}", highlight=False, soft_wrap=True)
    raise typer.Exit(code)


def explain_validation(e: ValidationError) -> str:
    return explain(e)


def run(coro: Coroutine[Any, Any, Any]) -> Any:
    """Run a coroutine, turning known failures into one clear line (no traceback) and exit code 1."""
    try:
        return asyncio.run(coro)
    except ComplaintError as e:
        fail(str(e))
    except ValidationError as e:
        fail(explain_validation(e))
    except RPCError as e:
        fail(f"Temporal: {e.message}", 2)
    except MissingKey as e:
        fail(str(e), 2)
    except RuntimeError as e:
        if type(e).__name__ in ("PortInUse", "Missing", "NotPrepared"):
            fail(str(e), 2)
        if "connect" in str(e).lower() or "transport" in str(e).lower():
            fail(f"cannot reach Temporal at {settings().temporal_address}: is `complaints up` running?", 2)
        raise
    except ValueError as e:  # the codec: a payload under a key this client does not hold
        if "key id" not in str(e):
            raise
        fail(str(e), 2)


def emit(value: BaseModel | dict | list, as_json: bool, human=None) -> None:
    if as_json:
        data = value.model_dump(mode="json") if isinstance(value, BaseModel) else value
        sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n")
    elif human is not None:
        console.print(human)
    else:
        console.print(value)
