"""`python -m workers`: a worker for the configured Temporal address."""
import asyncio

from complaints.config import settings
from complaints.logs import configure
from workers.worker import run_worker


def main() -> None:
    cfg = settings()
    configure(cfg.log_format, cfg.log_level)
    asyncio.run(run_worker(cfg))


if __name__ == "__main__":
    main()
