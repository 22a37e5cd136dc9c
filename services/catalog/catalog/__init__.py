"""The catalog service: products, categories, stock and stock reservations (MongoDB)."""
