"""Application glue: configuration, logging, Temporal client, database, CLI."""
