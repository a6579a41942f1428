#!/bin/sh
# A one-shot job (temporalio/admin-tools): Temporal's PostgreSQL databases created on the first run and their
# schemas brought to this server version's on every run, before the server starts. Idempotent.
set -eu
tool() { temporal-sql-tool --plugin postgres12 --ep "$POSTGRES_SEEDS" -p 5432 -u "$POSTGRES_USER" --pw "$POSTGRES_PWD" "$@"; }
schemas=/etc/temporal/schema/postgresql/v12
for db in temporal temporal_visibility; do
  tool --db "$db" create-database 2>/dev/null && echo "created $db" || echo "$db exists"
done
# setup-schema -v 0.0 makes the version tables once; on later runs it reports they exist, which is fine.
tool --db temporal setup-schema -v 0.0 2>/dev/null || true
tool --db temporal update-schema -d "$schemas/temporal/versioned"
tool --db temporal_visibility setup-schema -v 0.0 2>/dev/null || true
tool --db temporal_visibility update-schema -d "$schemas/visibility/versioned"
