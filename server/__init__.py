"""The HTTP service composed: the API (api/) and the workbench (web/) in one FastAPI application, and the
uvicorn server that runs it. It sits above both, so the API never imports the pages."""
