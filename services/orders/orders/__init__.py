"""The orders service: orders and their lines, idempotency keys, and the checkout saga
that reserves stock at the catalog, charges at payments and clears the cart."""
