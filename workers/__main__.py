"""`python -m workers`: a worker for the configured Temporal address."""
import asyncio

from complaints.config import settings
from complaints.logs import configure
from complaints.process import exit_now
from workers.worker import run_worker


def main() -> None:
    cfg = settings()
    configure(cfg.log_format, cfg.log_level)
    asyncio.run(run_worker(cfg))
    exit_now(0)  # skip the teardown that can abort after a clean stop


if __name__ == "__main__":
    main()
