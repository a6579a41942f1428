# One image for the worker and the codec server; scale workers with `docker compose up --scale worker=N`.
FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md requirements-prod.lock ./
COPY complaints complaints
COPY tools tools
COPY sla sla
COPY classifier classifier
COPY models models
COPY workflows workflows
COPY activities activities
COPY workers workers
COPY lookback lookback
COPY incidents incidents
COPY problems problems
COPY reports reports
COPY api api
COPY web web
COPY server server
COPY delivery delivery
# The exact versions of requirements-prod.lock, each checked against its hash; no dev extra (no dev server
# binary, no mail sink, no test tools).
RUN pip install --no-cache-dir --require-hashes -r requirements-prod.lock && pip install --no-cache-dir --no-deps '.[postgres]'
USER nobody
CMD ["python", "-m", "workers"]
