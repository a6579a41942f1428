"""Major incidents: one outage seen as the hundreds of complaints it brings (docs/incidents.md).

- `detect.py`: the detector's rules, pure: label and meaning surges against past weeks, and linking.
The months of complaints with outages hidden in them that the detector is measured on are a bench's, not
the product's: `bench/incident_traffic.py`.
The workflows are `workflows/incident.py`, the activities `activities/incidents.py`, the state and messages
`models/incidents.py`, the pages `web/incident_pages.py`, the API `api/routes/incidents.py`.
"""
