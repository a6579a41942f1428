"""The front door: the HTTP API people and channels come through (`complaints api`)."""
