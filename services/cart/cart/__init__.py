"""The cart service: each user's cart as a Redis hash of product id to quantity, priced
at the catalog whenever it is answered."""
