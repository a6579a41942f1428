"""Supervisor reports from the read model (never the Temporal server): heat map, dashboard, CSV export."""
