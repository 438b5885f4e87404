"""The shop web application: products in Postgres, cached in Redis, served by the standard library's WSGI server."""
