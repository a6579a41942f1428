"""Headers that keep a browser from being turned against the workbench: no script but our own files, no
framing, no type sniffing, no referrer leaving the site. The OpenAPI page (FastAPI's Swagger UI) loads its
script from a CDN and starts it inline, so it gets a policy of its own, when it is served at all."""
# Inline styles stay allowed: ECharts writes style attributes for its tooltips; scripts never run inline.
POLICY = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
          "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
DOCS_POLICY = ("default-src 'self'; script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; "
               "style-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; img-src 'self' data: https:; "
               "object-src 'none'; base-uri 'none'; frame-ancestors 'none'")
DOCS_PATHS = ("/docs",)


def headers_for(path: str) -> list[tuple[bytes, bytes]]:
    """The headers every answer carries (api/routes/operations.py adds them, with the request id)."""
    policy = DOCS_POLICY if path.startswith(DOCS_PATHS) else POLICY
    return [(b"content-security-policy", policy.encode()), (b"x-content-type-options", b"nosniff"),
            (b"x-frame-options", b"DENY"), (b"referrer-policy", b"no-referrer"),
            (b"cross-origin-opener-policy", b"same-origin")]
