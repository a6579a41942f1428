"""`python -m workers`: a worker for the configured Temporal address."""
import asyncio

from complaints.config import settings
from complaints.logs import configure
from workers.worker import run_worker


def main() -> None:
    cfg = settings()
    configure(cfg.log_format, cfg.log_level)
    asyncio.run(run_worker(cfg))
    from complaints.cli import exit_now

    exit_now(0)  # see complaints.cli.main: skip the teardown that can abort after a clean stop


if __name__ == "__main__":
    main()
