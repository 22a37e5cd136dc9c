"""Write ``data/seed/catalog.json``: about 200 products in 8 categories.

Deterministic (a fixed random seed, the standard library only), so the file
can be regenerated and diffed: keys are sorted and each product sits on its
own line. Run from anywhere: ``python scripts/make_seed_catalog.py``.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from pathlib import Path
from typing import Any

SEED = 20261125
PER_CATEGORY = 25
OUT = Path(__file__).resolve().parent.parent / "data" / "seed" / "catalog.json"

Attrs = Callable[[random.Random, str], dict[str, Any]]


def _apparel(rng: random.Random, name: str) -> dict[str, Any]:
    materials = {"Merino": "merino wool", "Organic Cotton": "organic cotton", "Linen": "linen"}
    named = next((m for prefix, m in materials.items() if name.startswith(prefix)), None)
    return {
        "size": rng.choice(["XS", "S", "M", "L", "XL", "XXL"]),
        "colour": rng.choice(["black", "navy", "olive", "grey", "white", "rust", "sand"]),
        "material": named or rng.choice(["cotton", "wool blend", "recycled polyester"]),
    }


def _appliances(rng: random.Random, name: str) -> dict[str, Any]:
    return {
        "wattage": rng.choice([600, 800, 1000, 1200, 1500, 1800, 2000, 2200]),
        "voltage": 230,
        "colour": rng.choice(["stainless steel", "white", "black", "red"]),
        "warranty_years": rng.choice([1, 2, 3, 5]),
    }


def _books(rng: random.Random, name: str) -> dict[str, Any]:
    return {
        "author": f"{rng.choice(_FIRST)} {rng.choice(_LAST)}",
        "pages": rng.randint(120, 880),
        "format": rng.choice(["paperback", "hardcover"]),
        "language": rng.choice(["en", "en", "en", "de", "fr"]),
    }


def _electronics(rng: random.Random, name: str) -> dict[str, Any]:
    return {
        "brand": rng.choice(["Voltra", "Norbit", "Kestrel", "Aurelio", "Pixelion"]),
        "connectivity": rng.sample(["bluetooth", "wifi", "usb-c", "nfc"], k=rng.randint(1, 3)),
        "battery_hours": rng.choice([None, 8, 12, 20, 30, 40]),
    }


def _garden(rng: random.Random, name: str) -> dict[str, Any]:
    return {
        "material": rng.choice(["galvanised steel", "ash wood", "recycled plastic", "terracotta"]),
        "outdoor": True,
        "weight_g": rng.randrange(200, 18000, 50),
    }


def _grocery(rng: random.Random, name: str) -> dict[str, Any]:
    return {
        "weight_g": rng.choice([100, 250, 340, 500, 750, 1000]),
        "organic": rng.random() < 0.4,
        "origin": rng.choice(["Italy", "Spain", "Kenya", "Colombia", "Japan", "Greece", "India"]),
    }


_SPORT_OF = {
    "Running Shoes": "running", "Yoga Mat": "yoga", "Bike Helmet": "cycling",
    "Chalk Bag": "climbing", "Tennis Racket": "tennis", "Swim Goggles": "swimming",
}


def _sports(rng: random.Random, name: str) -> dict[str, Any]:
    sport = next((s for noun, s in _SPORT_OF.items() if name.endswith(noun)), "fitness")
    return {
        "sport": sport,
        "level": rng.choice(["beginner", "intermediate", "pro"]),
        "colour": rng.choice(["black", "blue", "lime", "orange", "grey"]),
    }


def _toys(rng: random.Random, name: str) -> dict[str, Any]:
    return {
        "min_age": rng.choice([0, 3, 5, 8, 12]),
        "pieces": rng.choice([1, 24, 100, 250, 500, 1000]),
        "batteries_required": rng.random() < 0.25,
    }


_FIRST = ["Ada", "Jonas", "Mira", "Tomas", "Lena", "Ravi", "Noor", "Elena", "Kofi", "Ines"]
_LAST = ["Hartmann", "Okafor", "Lindqvist", "Moreau", "Sato", "Alvarez", "Novak", "Brennan"]

# category -> (sku prefix, adjectives, nouns, price range in cents, attributes, description)
CATEGORIES: dict[str, tuple[str, list[str], list[str], tuple[int, int], Attrs, str]] = {
    "Apparel": (
        "APP",
        ["Merino", "Organic Cotton", "Linen", "Waxed", "Quilted", "Relaxed", "Slim", "Heritage"],
        ["Crew Sweater", "Oxford Shirt", "Chino Trousers", "Field Jacket", "Hoodie", "T-Shirt",
         "Cardigan", "Rain Parka", "Denim Jeans", "Beanie"],
        (1500, 24900),
        _apparel,
        "{a_item} cut for everyday wear and built to last.",
    ),
    "Appliances": (
        "APL",
        ["Compact", "Digital", "Quiet", "Turbo", "Smart", "Classic", "Cordless", "Steel"],
        ["Kettle", "Toaster", "Blender", "Coffee Grinder", "Air Fryer", "Stand Mixer",
         "Hand Vacuum", "Rice Cooker", "Steam Iron", "Juicer"],
        (1990, 39900),
        _appliances,
        "{a_item} that gets the job done with less noise and less energy.",
    ),
    "Books": (
        "BOK",
        ["The Quiet", "A Brief History of", "The Last", "Notes on", "The Hidden",
         "Learning", "The Art of", "Beyond"],
        ["Lighthouse", "Gardens", "Algorithms", "Rivers", "Cartographer", "Typography",
         "Bread Baking", "Mountains", "Distributed Systems", "Tides"],
        (699, 5999),
        _books,
        "{name}: a well-reviewed read for long evenings.",
    ),
    "Electronics": (
        "ELE",
        ["Wireless", "Noise-Cancelling", "Portable", "Ultra", "Pro", "Mini", "4K", "Waterproof"],
        ["Headphones", "Speaker", "Power Bank", "Webcam", "E-Reader", "Smartwatch",
         "Keyboard", "Mouse", "Action Camera", "Earbuds"],
        (1299, 89900),
        _electronics,
        "{a_item} with a long battery life and a one-year warranty.",
    ),
    "Garden": (
        "GAR",
        ["Heavy-Duty", "Folding", "Raised", "Galvanised", "Ergonomic", "Solar", "Cedar", "Compact"],
        ["Spade", "Watering Can", "Planter", "Pruning Shears", "Hose Reel", "Wheelbarrow",
         "Bird Feeder", "Garden Lantern", "Compost Bin", "Rake"],
        (899, 29900),
        _garden,
        "{a_item} for gardeners who want tools that survive the seasons.",
    ),
    "Grocery": (
        "GRO",
        ["Extra Virgin", "Single-Origin", "Smoked", "Wildflower", "Stone-Ground", "Aged",
         "Roasted", "Sea Salt"],
        ["Olive Oil", "Coffee Beans", "Paprika", "Honey", "Oat Flour", "Balsamic Vinegar",
         "Almonds", "Green Tea", "Dark Chocolate", "Pasta"],
        (249, 3499),
        _grocery,
        "{name} sourced from small producers and packed fresh.",
    ),
    "Sports": (
        "SPO",
        ["Lightweight", "Trail", "Grippy", "Breathable", "Carbon", "Padded", "Adjustable", "Team"],
        ["Running Shoes", "Yoga Mat", "Water Bottle", "Bike Helmet", "Chalk Bag",
         "Tennis Racket", "Swim Goggles", "Jump Rope", "Resistance Bands", "Gym Bag"],
        (799, 19900),
        _sports,
        "{a_item} tested by athletes for training and competition.",
    ),
    "Toys": (
        "TOY",
        ["Wooden", "Magnetic", "Glow-in-the-Dark", "Classic", "Remote-Control", "Plush",
         "Stacking", "Puzzle"],
        ["Train Set", "Building Blocks", "Dinosaur", "Race Car", "Robot Kit", "Marble Run",
         "Board Game", "Kite", "Jigsaw", "Doll House"],
        (599, 14900),
        _toys,
        "{a_item} that keeps curious minds busy for hours.",
    ),
}


def _price(rng: random.Random, low: int, high: int) -> int:
    """A shop-like price: whole units ending in 99, 49 or 00 cents."""
    units = rng.randint(low // 100, high // 100)
    return max(units * 100 + rng.choice([99, 49, 0]), 1)


def _stock(rng: random.Random) -> int:
    return 0 if rng.random() < 0.05 else rng.randint(1, 200)


def _describe(sentence: str, name: str) -> str:
    """Fill a template: ``{name}`` as is, ``{a_item}`` lower-cased with its article."""
    item = " ".join(w if any(c.isdigit() for c in w) else w.lower() for w in name.split())
    if item.endswith("s"):
        a_item = item
    else:
        a_item = f"{'an' if item[0] in 'aeiou' else 'a'} {item}"
    text = sentence.format(name=name, a_item=a_item)
    return text[0].upper() + text[1:]


def make_category(rng: random.Random, category: str) -> list[dict[str, Any]]:
    """``PER_CATEGORY`` products of one category with distinct names."""
    prefix, adjectives, nouns, (low, high), attributes, sentence = CATEGORIES[category]
    pairs = rng.sample([(a, n) for a in adjectives for n in nouns], k=PER_CATEGORY)
    products = []
    for number, (adj, noun) in enumerate(pairs, start=1):
        products.append(
            {
                "sku": f"{prefix}-{number:04d}",
                "name": f"{adj} {noun}",
                "description": _describe(sentence, f"{adj} {noun}"),
                "category": category,
                "price_cents": _price(rng, low, high),
                "stock": _stock(rng),
                "attributes": attributes(rng, f"{adj} {noun}"),
            }
        )
    return products


def make_catalog(seed: int = SEED) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    return [p for category in sorted(CATEGORIES) for p in make_category(rng, category)]


def render(products: list[dict[str, Any]]) -> str:
    """Valid JSON with sorted keys and one product per line, for readable diffs."""
    lines = [json.dumps(p, sort_keys=True, ensure_ascii=False) for p in products]
    return '{"products": [\n' + ",\n".join(lines) + "\n]}\n"


def main() -> None:
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(render(make_catalog()), encoding="utf-8")
    print(f"wrote {OUT.name}: {len(make_catalog())} products")


if __name__ == "__main__":
    main()
