"""Major incidents: one outage seen as the hundreds of complaints it brings (SPEC: Major incidents).

- `traffic.py`: a month of complaints with outages hidden in it, to measure the detector on (bench/incident_detector.py).
"""
