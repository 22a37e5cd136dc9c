"""The cart service: each user's cart as a Redis hash of product id to quantity."""
