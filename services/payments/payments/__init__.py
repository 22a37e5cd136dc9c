"""The payments service: a simulated card processor keeping charges and refunds (SQL)."""
