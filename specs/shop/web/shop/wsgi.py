"""WSGI entry point: a product list from Postgres, cached in Redis, and a /healthz for the health check."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable

import psycopg
import redis

from shop import settings

_cache = redis.Redis.from_url(settings.REDIS_URL)


def _products() -> list[dict[str, object]]:
    cached = _cache.get("products")
    if cached:
        return json.loads(cached)
    with psycopg.connect(password=settings.secret("DATABASE_PASSWORD"), **settings.DATABASE) as conn:
        rows = conn.execute("SELECT id, name, price_cents FROM products ORDER BY id").fetchall()
    products = [{"id": r[0], "name": r[1], "price_cents": r[2]} for r in rows]
    _cache.setex("products", 30, json.dumps(products))
    return products


def application(environ: dict[str, object], start_response: Callable[..., object]) -> Iterable[bytes]:
    path = environ.get("PATH_INFO", "/")
    if path == "/healthz":
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"ok\n"]
    if path == "/products":
        body = json.dumps(_products()).encode()
        start_response("200 OK", [("Content-Type", "application/json")])
        return [body]
    start_response("404 Not Found", [("Content-Type", "text/plain")])
    return [b"not found\n"]
