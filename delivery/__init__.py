"""Delivering the outbox: e-mail over SMTP, SMS and app messages through HTTP gateways, staff messages to
the workbench's inbox; each notification once, retried with backoff, its failure told to a person."""
