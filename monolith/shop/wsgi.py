"""The WSGI entry point for gunicorn: ``gunicorn -c monolith/gunicorn.conf.py shop.wsgi:app``."""

from shop.app import create_app

app = create_app()
