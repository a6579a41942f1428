"""What every request needs: the configuration, the Temporal client, the database, the API secret."""
from dataclasses import dataclass
from typing import Any

from fastapi import Request
from sqlalchemy.engine import Engine
from temporalio.client import Client

from complaints.config import Settings
from complaints.fields import FieldCipher


@dataclass
class Context:
    settings: Settings
    client: Client
    engine: Engine
    api_secret: str
    cipher: FieldCipher  # opens the read model's personal data (complaints/fields.py)
    classifier: Any = None  # the configured classifier: its taxonomy says which labels a correction may use


def context(request: Request) -> Context:
    return request.app.state.ctx
