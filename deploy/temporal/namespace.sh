#!/bin/sh
# A one-shot job (temporalio/admin-tools): once the server answers, the namespace exists (created on the first
# run, kept after). Temporal keeps a closed complaint's history for the retention; the read model keeps it for good.
set -eu
until temporal operator cluster health --address "$TEMPORAL_ADDRESS" >/dev/null 2>&1; do sleep 2; done
temporal operator namespace describe --address "$TEMPORAL_ADDRESS" -n "$NAMESPACE" >/dev/null 2>&1 ||
  temporal operator namespace create --address "$TEMPORAL_ADDRESS" --retention "$RETENTION" -n "$NAMESPACE"
