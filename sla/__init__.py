"""SLA policy loading and the business calendar deadlines are computed on."""
