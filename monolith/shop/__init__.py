"""The whole shop as one Flask application over one database.

The app factory is :func:`shop.app.create_app`; this package imports nothing, so that
``shop.config`` loads alone (gunicorn's master reads the Settings before it forks).
"""
