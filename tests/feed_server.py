"""A local stand-in for Find a Tender and Contracts Finder: real recorded pages, on 127.0.0.1.

    with FeedServer(chain("fts", FTS_PAGE, 4)) as server:
        fetch(ws, ["fts"], base_url=server.url, client=fake_client())
        server.requests        # every path and query asked, in order

The real recorded page's releases are split into a cursor chain (``links.next`` pointing back at
this server) whose last page has no ``links``, as on the real service. ``faults`` is a queue of
misbehaviours served instead of the next answers: ("status", 429, {"Retry-After": "120"}, body),
("drop",) (a connection closed mid-body), ("html",) (a maintenance page), ("truncate",) (a
complete HTTP answer whose JSON is cut short).
Used by tests/test_tenders_feeds.py, the GUI tests and bench/tenders.py.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

FIX = Path(__file__).parent / "fixtures" / "ocds"
FTS_PAGE = FIX / "fts-release-package-2026-08-12-page-001.json"
CF_PAGE = FIX / "cf-search-2025-01-20_2025-01-23-page-001.json"
PATHS = {"fts": "/api/1.0/ocdsReleasePackages", "cf": "/Published/Notices/OCDS/Search"}
MAINTENANCE = (
    b"<!DOCTYPE html><html><head><title>Service unavailable</title></head><body>"
    b"<h1>Sorry, the service is unavailable</h1><p>We are doing planned maintenance.</p>"
    b"</body></html>"
)


def chain(source: str, page: Path, n: int, *, weeks_later: int = 0) -> dict:
    """The real page's releases split into ``n`` pages: {"source", "envelope", "pages"}.

    ``weeks_later`` moves every date in the releases on by whole weeks (as the demo does), so
    the recorded tenders are open again on the tests' date."""
    package = json.loads(page.read_text(encoding="utf-8"))
    releases = package.pop("releases")
    if weeks_later:
        from consortium.tenders.importer import _shift

        releases = [_shift(r, dt.timedelta(weeks=weeks_later)) for r in releases]
    package.pop("links", None)
    size = -(-len(releases) // n)
    pages = [releases[i * size : (i + 1) * size] for i in range(n)]
    return {"source": source, "envelope": package, "pages": [p for p in pages if p]}


class FeedServer:
    def __init__(self, *chains: dict):
        self.chains = {c["source"]: c for c in chains}
        self.requests: list[str] = []
        self.user_agents: list[str] = []
        self.faults: list[tuple] = []
        self.delay = 0.0  # seconds before each answer (a slow service, for Cancel in the GUI)
        self._allowed: int | None = None  # pages from this index on wait (see allow)
        self._gate = threading.Condition()
        self.lock = threading.Lock()
        self.served_pages: list[tuple[str, int]] = []  # (source, page index) answered in full
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):  # quiet
                pass

            def do_GET(self):  # noqa: N802 - http.server's name
                outer._answer(self)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> FeedServer:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    # ---------------------------------------------------------------- pages
    def page(self, source: str, index: int) -> dict:
        c = self.chains[source]
        package = dict(c["envelope"], releases=c["pages"][index])
        if index + 1 < len(c["pages"]):
            query = "updatedFrom=2026-08-12T00:00:00" if source == "fts" else "publishedFrom=x"
            package["links"] = {
                "next": f"{self.url}{PATHS[source]}?{query}&limit=100&cursor=c{index + 1}"
            }
        return package

    def allow(self, pages: int | None) -> None:
        """Answer only the first ``pages`` pages of a chain; a request for a later one waits
        until more are allowed (None: every page). A download then stops mid-way, for as long
        as a test needs, without a timed wait."""
        with self._gate:
            self._allowed = pages
            self._gate.notify_all()

    def releases_of(self, source: str, indexes) -> set[tuple[str, str]]:
        c = self.chains[source]
        return {(r["ocid"], r["id"]) for i in indexes for r in c["pages"][i]}

    def queries(self) -> list[dict]:
        return [parse_qs(urlsplit(r).query) for r in self.requests]

    # -------------------------------------------------------------- answers
    def _answer(self, h: BaseHTTPRequestHandler) -> None:
        if self.delay:
            time.sleep(self.delay)
        with self.lock:
            self.requests.append(h.path)
            self.user_agents.append(h.headers.get("User-Agent", ""))
            fault = self.faults.pop(0) if self.faults else None
        parts = urlsplit(h.path)
        source = next((s for s, p in PATHS.items() if parts.path == p), None)
        if source is None or source not in self.chains:
            return self._send(h, 404, b"Not found", "text/plain")
        cursor = parse_qs(parts.query).get("cursor", ["c0"])[0]
        index = int(cursor[1:])
        with self._gate:
            self._gate.wait_for(lambda: self._allowed is None or index < self._allowed, 60)
        body = json.dumps(self.page(source, index)).encode()
        if fault is None:
            with self.lock:
                self.served_pages.append((source, index))
            return self._send(h, 200, body, "application/json")
        kind = fault[0]
        if kind == "status":
            _, status, headers, text = fault
            return self._send(h, status, text, "text/plain", headers)
        if kind == "html":
            return self._send(h, 200, MAINTENANCE, "text/html; charset=utf-8")
        if kind == "truncate":
            return self._send(h, 200, body[: len(body) // 2], "application/json")
        if kind == "drop":
            h.send_response(200)
            h.send_header("Content-Type", "application/json")
            h.send_header("Content-Length", str(len(body)))
            h.end_headers()
            h.wfile.write(body[: len(body) // 3])
            h.wfile.flush()
            h.close_connection = True
            with contextlib.suppress(OSError):
                h.connection.shutdown(socket.SHUT_RDWR)
            return None
        raise ValueError(kind)

    @staticmethod
    def _send(h, status: int, body: bytes, kind: str, headers: dict | None = None) -> None:
        h.send_response(status)
        h.send_header("Content-Type", kind)
        h.send_header("Content-Length", str(len(body)))
        for k, v in (headers or {}).items():
            h.send_header(k, v)
        h.end_headers()
        h.wfile.write(body)


class FakeTime:
    """A clock and a sleep that never wait: sleeping moves the clock on."""

    def __init__(self):
        self.now = 1000.0
        self.slept: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def closed_port() -> str:
    """A 127.0.0.1 URL nothing listens on (offline)."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return f"http://127.0.0.1:{port}"
