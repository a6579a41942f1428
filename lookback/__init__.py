"""The monthly look-back (回头看): which complaints to revisit, and when the schedule runs (this package's own
pure rules), and where every other piece of the feature lives, layer by layer. The packages stay the
card's (`models/`, `workflows/`, `activities/`, ...) so the layers only look down; this index is the one
place to start from, and a test keeps every path in it true.

    models/lookback.py              the month's input and state, a revisit's outcome and state
    lookback/sampling.py            10% of last month's resolved complaints, rounded up per department
    lookback/schedule.py            the first working day of each month, as a Temporal Schedule
    workflows/lookback.py           LookBackWorkflow (one per month) and RevisitWorkflow (one per complaint)
    activities/lookback.py          candidates from the read model; revisit outcomes and reopened complaints
    api/lookbacks.py                start a month, read it, record an outcome (the client side)
    api/routes/supervision.py       POST /v1/lookbacks/{month}/run, GET /v1/lookbacks/{month}, revisits
    web/desk_pages.py               the workbench's look-back page (/ui/lookback)
    tools/cli/lookback.py           complaints lookback schedule | run | show | outcome
    workflows/permissions.py        who starts a month (Can.RUN_LOOKBACK) and records revisits (Can.LOOKBACK)
    docs/sla.md                     what it does, for a person
"""
