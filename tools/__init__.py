"""The top floor: the `complaints` command line, `up` (the whole system on one machine), the codec server,
history replay, the schedules `up` creates and the local delivery sinks. Everything here may import any
layer below; nothing below imports it (pyproject.toml, [tool.importlinter])."""
