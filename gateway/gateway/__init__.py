"""The API gateway: the shop's single public entry in front of the microservices.

    routing      the contract's route table: which service, which guard, which handler
    deps         the app's dependencies (Deps), opened by the lifespan
    auth         bearer tokens verified at the edge with the issuer's JWKS
    upstreams    one pooled client per downstream, timed for the access log
    proxy        a request forwarded as it is, the answer returned as it is
    cart         the cart routes: the PUT body checked, the token passed on
    products     product reads from the cache, writes that drop what they change
    catalog_cache   the product cache shared by replicas in Redis
    catalog_events  the catalog's events, read to drop changed products
    ratelimit    fixed-window limits per client, shared in Redis
    xml_render   JSON answers rendered as XML for clients that prefer it
    openapi      the contract document and a plain page that lists its paths
    app          the factory that wires it all together
"""
