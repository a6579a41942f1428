"""Activities: thin, idempotent I/O on behalf of the workflows."""
