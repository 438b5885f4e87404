"""WSGI entry point: products from Postgres, cached in Redis for 30 s, a visit counter, and /healthz."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable

from shop import settings
from shop.cache import Redis
from shop.pg import Connection

SCHEMA = (
    "CREATE TABLE IF NOT EXISTS products (id serial PRIMARY KEY, name text UNIQUE NOT NULL, price_cents int NOT NULL);"
    "INSERT INTO products (name, price_cents) VALUES ('mug', 1200), ('tee', 2500) ON CONFLICT (name) DO NOTHING;"
)
_cache = Redis(settings.REDIS_URL)


def _connect() -> Connection:
    return Connection(password=settings.secret("DATABASE_PASSWORD"), **settings.DATABASE)


def _products() -> list[dict[str, object]]:
    cached = _cache.command("GET", "products")
    if isinstance(cached, bytes):
        return list(json.loads(cached))
    conn = _connect()
    try:
        conn.query(SCHEMA)
        rows = conn.query("SELECT id, name, price_cents FROM products ORDER BY id")
    finally:
        conn.close()
    products: list[dict[str, object]] = [{"id": int(r[0] or 0), "name": r[1], "price_cents": int(r[2] or 0)}
                                         for r in rows]
    _cache.command("SETEX", "products", 30, json.dumps(products))
    return products


def application(environ: dict[str, object], start_response: Callable[..., object]) -> Iterable[bytes]:
    path = environ.get("PATH_INFO", "/")
    if path == "/healthz":
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"ok\n"]
    if path in ("/", "/products"):
        body = {"products": _products(), "visits": _cache.command("INCR", "visits"), "env": settings.LOG_LEVEL}
        start_response("200 OK", [("Content-Type", "application/json")])
        return [json.dumps(body).encode() + b"\n"]
    start_response("404 Not Found", [("Content-Type", "text/plain")])
    return [b"not found\n"]
