"""Request bodies of the HTTP API: each contract message without its `actor`, which the API sets from the
verified credential (a body that names one is refused, naming the field)."""
from typing import Any

from pydantic import create_model

from models.intake import Strict
from models.lookback import RevisitOutcome
from models.messages import Message


def without_actor(cls: type[Strict]) -> type[Strict]:
    fields: dict[str, Any] = {n: (f.annotation, f) for n, f in cls.model_fields.items() if n != "actor"}
    model: type[Strict] = create_model(f"{cls.__name__}Request", __base__=Strict, __doc__=cls.__doc__, **fields)
    return model


RevisitOutcomeRequest = without_actor(RevisitOutcome)


def with_actor(cls: type[Message], body: Strict, actor: dict[str, Any]) -> Message:
    return cls.model_validate({**body.model_dump(), "actor": actor})
