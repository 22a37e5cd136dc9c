from loadtest.saturation import counts_of

EXPOSITION = """\
# HELP http_requests_total Requests answered.
# TYPE http_requests_total counter
http_requests_total{method="GET",route="/api/cart",service="cart",status="200"} 170.0
http_requests_total{method="GET",route="/metrics",service="cart",status="200"} 3.0
http_requests_total{method="PUT",route="/api/cart/items/{id}",service="cart",status="404"} 2.0
http_requests_created{method="GET",route="/api/cart",service="cart",status="200"} 1.7e+09
http_client_request_duration_seconds_count{downstream="catalog",method="POST",status="200"} 424.0
http_client_request_duration_seconds_sum{downstream="catalog",method="POST",status="200"} 1.5
"""


def test_answered_and_asked_requests_are_counted_by_route_downstream_and_status() -> None:
    assert counts_of("cart", EXPOSITION) == {
        ("cart", "answered GET /api/cart", "200"): 170.0,
        ("cart", "answered PUT /api/cart/items/{id}", "404"): 2.0,
        ("cart", "asked catalog POST", "200"): 424.0,
    }


def test_an_empty_exposition_counts_nothing() -> None:
    assert counts_of("gateway", "") == {}
