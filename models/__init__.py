"""Domain models in one place: pydantic for messages and views, SQLModel for the read model."""
