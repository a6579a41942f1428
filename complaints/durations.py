"""Durations as a person reads them: `2d3h`, `45m`, `-10s` for overdue."""
from datetime import timedelta


def human(delta: timedelta) -> str:
    seconds = int(abs(delta.total_seconds()))
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    parts = [f"{days}d" if days else "", f"{hours}h" if hours else "", f"{minutes}m" if minutes and not days else "",
             f"{secs}s" if not (days or hours or minutes) else ""]
    text = "".join(parts) or "0s"
    return f"-{text}" if delta.total_seconds() < 0 else text
