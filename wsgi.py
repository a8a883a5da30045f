"""WSGI entry point: `flask --app wsgi run`, `gunicorn wsgi:app`."""

from webapp import create_app

app = create_app()
