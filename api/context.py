"""What every request needs: the configuration, the Temporal client, the database, the API secret."""
from dataclasses import dataclass

from fastapi import Request
from sqlalchemy.engine import Engine
from temporalio.client import Client

from complaints.config import Settings


@dataclass
class Context:
    settings: Settings
    client: Client
    engine: Engine
    api_secret: str


def context(request: Request) -> Context:
    return request.app.state.ctx
