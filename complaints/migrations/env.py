"""Alembic's environment: the models' metadata, and the connection `complaints.schema.upgrade` hands in."""
from alembic import context
from sqlmodel import SQLModel

import models.access  # noqa: F401  - registers the tables
import models.customer  # noqa: F401
import models.tables  # noqa: F401

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=SQLModel.metadata,
                  render_as_batch=connection.dialect.name == "sqlite")  # SQLite alters tables by copying them
with context.begin_transaction():
    context.run_migrations()
