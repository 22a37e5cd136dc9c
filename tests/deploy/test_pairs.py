"""Each monolith feature and its service speak the same verbs.

``diff monolith/shop/<feature>/service.py services/<name>/<name>/service.py`` is the
lesson of the repository: it must show only what splitting changed. So the public
functions each side's ``service.py`` defines (read with ``ast``, nothing imported) are
the same names, except the differences listed in INTENDED_DIFFERENCES, each with the
reason the architecture gives for it. A listed difference that is no longer one fails
too, so that the list stays the truth (docs/architecture.md).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

# monolith feature (monolith/shop/<feature>/) -> service (services/<name>/<name>/)
PAIRS = {"auth": "users", "catalog": "catalog", "cart": "cart", "orders": "orders",
         "payments": "payments"}

# Per pair: the verbs only one side defines, and why splitting put them there.
INTENDED_DIFFERENCES: dict[str, dict[str, dict[str, str]]] = {
    "auth": {"monolith": {}, "service": {}},
    "catalog": {
        "monolith": {
            "reserve_stock": "the service keeps a reservation per order id for the saga, so its "
                             "stock steps live in catalog/reservations.py; the monolith takes "
                             "stock inside the checkout's own transaction",
            "release_stock": "as reserve_stock: the service's release is a saga compensation "
                             "in catalog/reservations.py",
        },
        "service": {
            "lookup": "the cart service prices a cart by asking for its products at once, "
                      "over the network; the monolith's cart joins the catalog's table",
        },
    },
    "cart": {
        "monolith": {},
        "service": {
            "take_out": "a late confirmation (the reconciler) lowers the cart by what the "
                        "order bought; the monolith's checkout clears it in its transaction",
            "drop_product": "a product deleted at the catalog leaves every cart when its event "
                            "arrives; the monolith's cart rows go with it (ON DELETE CASCADE)",
        },
    },
    "orders": {"monolith": {}, "service": {}},
    "payments": {
        "monolith": {
            "record": "the monolith authorises first and keeps the verdict in the checkout's "
                      "own transaction; the service stores the charge as it authorises",
        },
        "service": {
            "get": "the orders reconciler asks payments what became of a charge; the "
                   "monolith reads its own table",
        },
    },
}


def public_functions(path: Path) -> set[str]:
    """The names of the module-level functions that do not start with an underscore."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    return {node.name for node in tree.body
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
            and not node.name.startswith("_")}


@pytest.mark.parametrize(("feature", "service"), list(PAIRS.items()))
def test_a_feature_and_its_service_define_the_same_verbs(
        repo: Path, feature: str, service: str) -> None:
    monolith = public_functions(repo / "monolith" / "shop" / feature / "service.py")
    split = public_functions(repo / "services" / service / service / "service.py")
    intended = INTENDED_DIFFERENCES[feature]
    assert {"monolith only": monolith - split, "service only": split - monolith} == {
        "monolith only": set(intended["monolith"]), "service only": set(intended["service"])}


def test_every_intended_difference_gives_its_reason() -> None:
    assert set(INTENDED_DIFFERENCES) == set(PAIRS)
    for feature, sides in INTENDED_DIFFERENCES.items():
        assert set(sides) == {"monolith", "service"}, feature
        for name, reason in {**sides["monolith"], **sides["service"]}.items():
            assert len(reason.split()) >= 5, f"{feature}.{name}: say why"
