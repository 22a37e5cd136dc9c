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
    jwks            a verifier fed by the issuer's JWKS endpoint
    metrics         Prometheus request metrics
    health          readiness checks and their verdict
    sql             SQLAlchemy engine, unit of work, URL handling, schema check
    breaker         a circuit breaker per downstream (and per kind of call)
    outbound        calls to other services: timeouts, retries, breakers
    gunicorn_settings what every gunicorn.conf.py shares
    flask_support   the above wired into a Flask app
    fastapi_support the above wired into a FastAPI app
    clock           RFC 3339 timestamps in UTC
"""
