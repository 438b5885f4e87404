"""The shop web application (a small WSGI app served by gunicorn)."""
