"""The shopstack chassis: cross-cutting code that every deployable shares.

Business rules never live here; each deployable owns its own. What lives here
is the plumbing that must behave identically everywhere so that both
implementations answer the public contract the same way:

    settings        typed settings from the environment
    request_context the request id of the request being served
    logs            JSON log lines that carry the request id
    problems        RFC 9457 problem details (the error vocabulary)
    validation      JSON bodies and query strings checked with pydantic
    pagination      page parameters and the page envelope
    tokens          asymmetric JWT issuing, verifying and JWKS
    passwords       argon2id hashing
    metrics         Prometheus request metrics
    flask_support   the above wired into a Flask app
    fastapi_support the above wired into a FastAPI app
    clock           RFC 3339 timestamps in UTC
"""
