"""The monthly look-back: which complaints to revisit, and when the schedule runs."""
