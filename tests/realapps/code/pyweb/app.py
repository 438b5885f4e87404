"""A stand-in for the awesome-compose Python apps (flask, fastapi, django and the nginx-fronted ones), which need
Flask, FastAPI or Django from a package index this machine cannot reach: the standard library's threaded WSGI
server with the routes the tests use, on the database the app's Compose file names (``STORE``).

Routes: ``/healthz``; ``/`` (the app's name and how many notes it holds: every request reads the database);
``POST /notes?text=…`` stores a note; ``GET /notes`` lists them, one per line.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sqlite3
import sys
import threading
from collections.abc import Callable, Iterable
from pathlib import Path
from socketserver import ThreadingMixIn
from typing import Any
from urllib.parse import parse_qs
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

NAME = os.environ.get("APP_NAME", "app")
STORE = os.environ.get("STORE", "none")


def secret(name: str) -> str:
    """shipspec apply sets the variable; Compose mounts the value and sets NAME_FILE."""
    if name in os.environ:
        return os.environ[name]
    path = os.environ.get(f"{name}_FILE")
    return Path(path).read_text(encoding="utf-8").strip() if path else ""


class Sql:
    """One connection shared under a lock (queries are tiny), opened again after an error."""

    def __init__(self, connect: Callable[[], Any], mark: str) -> None:
        self._connect, self._mark, self._lock = connect, mark, threading.Lock()
        self._conn: Any = None

    def run(self, query: str, *args: str) -> list[tuple[Any, ...]]:
        query = query.replace("?", self._mark)
        with self._lock:
            for attempt in (1, 2):
                try:
                    if self._conn is None:
                        self._conn = self._connect()
                    cur = self._conn.cursor()
                    cur.execute(query, args)
                    rows = list(cur.fetchall()) if cur.description else []
                    self._conn.commit()
                    return rows
                except Exception:
                    if self._conn is not None:
                        with contextlib.suppress(Exception):
                            self._conn.close()
                    self._conn = None
                    if attempt == 2:
                        raise
        raise AssertionError("unreachable")


def open_store() -> tuple[Callable[[str], None], Callable[[], list[str]]]:
    """(add a note, list the notes) on the configured store."""
    host = os.environ.get("DB_HOST", "db")
    if STORE == "redis":
        import redis  # type: ignore[import-not-found]  # Debian's, in the base image

        client = redis.Redis(host=host, port=6379, socket_timeout=5)
        return (lambda text: client.rpush("notes", text)), (
            lambda: [v.decode() for v in client.lrange("notes", 0, -1)])
    if STORE == "postgres":
        import psycopg2  # type: ignore[import-untyped]

        db = Sql(lambda: psycopg2.connect(host=host, dbname=os.environ.get("DB_NAME", "postgres"),
                                          user=os.environ.get("DB_USER", "postgres"), password=secret("DB_PASSWORD"),
                                          connect_timeout=5), "%s")
        db.run("CREATE TABLE IF NOT EXISTS notes (id SERIAL PRIMARY KEY, text TEXT NOT NULL)")
    elif STORE == "mysql":
        import pymysql  # type: ignore[import-untyped]

        db = Sql(lambda: pymysql.connect(host=host, database=os.environ.get("DB_NAME", "example"),
                                         user=os.environ.get("DB_USER", "root"), password=secret("DB_PASSWORD"),
                                         connect_timeout=5), "%s")
        db.run("CREATE TABLE IF NOT EXISTS notes (id INT AUTO_INCREMENT PRIMARY KEY, text TEXT NOT NULL)")
    elif STORE == "sqlite":
        path = Path(os.environ.get("DATA_DIR", "/data")) / "db.sqlite3"
        db = Sql(lambda: sqlite3.connect(path, timeout=10, check_same_thread=False), "?")
        db.run("CREATE TABLE IF NOT EXISTS notes (id INTEGER PRIMARY KEY, text TEXT NOT NULL)")
    else:
        return (lambda text: None), list

    def add(text: str) -> None:
        db.run("INSERT INTO notes (text) VALUES (?)", text)

    def notes() -> list[str]:
        return [str(row[0]) for row in db.run("SELECT text FROM notes ORDER BY id")]

    return add, notes


def application(environ: dict[str, Any], start: Callable[..., Any]) -> Iterable[bytes]:
    path, method = environ.get("PATH_INFO", "/"), environ.get("REQUEST_METHOD", "GET")
    status, body = "200 OK", ""
    if path == "/healthz":
        body = "ok"
    elif path == "/notes" and method == "POST":
        for text in parse_qs(environ.get("QUERY_STRING", "")).get("text", []):
            ADD(text)
        status, body = "201 Created", "stored"
    elif path == "/notes":
        body = "\n".join(NOTES())
    elif path == "/":
        body = f"{NAME}: {len(NOTES())} notes ({os.environ.get('RELEASE', '1')})"
    else:
        status, body = "404 Not Found", "not found"
    data = (body + "\n").encode()
    start(status, [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", str(len(data)))])
    return [data]


class Server(ThreadingMixIn, WSGIServer):
    daemon_threads = False  # server_close() waits for the requests in flight when SIGTERM stops the server
    request_queue_size = 128  # socketserver's default of 5 drops connections a proxy opens in a burst


class Quiet(WSGIRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


ADD, NOTES = open_store()

if __name__ == "__main__":
    server = make_server("0.0.0.0", int(os.environ.get("PORT", "8000")), application, Server, Quiet)
    signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=server.shutdown).start())
    print(f"{NAME} ({STORE}) listening on :{server.server_port}", file=sys.stderr, flush=True)
    server.serve_forever()
    server.server_close()
