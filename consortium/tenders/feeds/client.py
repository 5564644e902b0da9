"""A polite HTTP client for the public tender APIs (httpx underneath).

- an honest User-Agent naming the app, its version and where to find it;
- at most one request every ``min_interval`` seconds (Find a Tender allows about 12 requests a
  2 minutes, tender-data.md §1);
- ``Retry-After`` honoured on 429 and 503; exponential back-off with jitter on other 5xx,
  timeouts, dropped connections and bodies that are not the JSON we asked for;
- a clear stop (:class:`FeedFailed`) after ``attempts`` tries of one page;
- no answer at all on the first request is :class:`FeedOffline`, which the app says calmly;
- HTTPS certificates verified; proxies from the environment and from the system settings
  (``urllib.request.getproxies`` reads the Windows registry and macOS network settings).

The clock, the sleep and the jitter are injected so tests never really wait.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from consortium import __version__
from consortium.errors import ConsortiumError
from consortium.progress import IsCancelled, check, never_cancelled

if TYPE_CHECKING:  # httpx is imported on the first request, not when the window opens
    import httpx

USER_AGENT = (
    f"Consortium/{__version__} (free desktop app for charity bidding consortia; "
    "fetches public OCDS notices; +https://github.com/consortium-app)"
)
MAX_BODY = 64 * 1024 * 1024  # a page of 100 releases is about 1 MB; more is not a page
MAX_WAIT = 15 * 60.0  # a Retry-After longer than this is a stop, not a wait


class FeedOffline(ConsortiumError):
    """The service could not be reached at all (no network, no DNS, port closed)."""


class FeedFailed(ConsortiumError):
    """The service answered, but not with a usable page, however often we asked."""


class BadPage(Exception):
    """One answer that is not a usable page (HTML, truncated JSON, wrong shape): retried."""


@dataclass
class Policy:
    min_interval: float = 10.0  # seconds between requests (12 per 2 minutes)
    attempts: int = 5  # tries of one page before a clear stop
    backoff: float = 2.0  # first back-off in seconds, doubling each time
    max_backoff: float = 120.0
    timeout: float = 60.0


@dataclass
class Counters:
    requests: int = 0
    retries: int = 0
    waited: float = 0.0  # seconds slept (politeness and back-off)
    problems: list[str] = field(default_factory=list)


def system_proxy(url: str) -> str | None:
    """The proxy the system settings give for ``url``, unless the host is exempt."""
    parts = urlsplit(url)
    try:
        proxies = urllib.request.getproxies()
        if parts.hostname and urllib.request.proxy_bypass(parts.hostname):
            return None
    except Exception:  # noqa: BLE001 - a broken system setting means no proxy, not a crash
        return None
    return proxies.get(parts.scheme) or proxies.get("all")


class Client:
    """Gets pages (parsed JSON objects) politely; one instance per fetch."""

    def __init__(
        self,
        policy: Policy | None = None,
        *,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        jitter: Callable[[], float] = random.random,
        transport: httpx.BaseTransport | None = None,
        proxy_for: Callable[[str], str | None] = system_proxy,
    ):
        self.policy = policy or Policy()
        self.sleep, self.clock, self.jitter = sleep, clock, jitter
        self.transport = transport
        self.proxy_for = proxy_for
        self.counters = Counters()
        self._last: float | None = None
        self._clients: dict[str | None, httpx.Client] = {}
        self.reached = False  # any answer at all from the service, in this fetch

    def close(self) -> None:
        for client in self._clients.values():
            client.close()
        self._clients.clear()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _client(self, url: str) -> httpx.Client:
        # httpx reads HTTP(S)_PROXY itself (trust_env); the system settings fill in when the
        # environment says nothing.
        import httpx

        proxy = None if _env_proxy_set() else self.proxy_for(url)
        if proxy not in self._clients:
            self._clients[proxy] = httpx.Client(
                headers={"User-Agent": USER_AGENT, "Accept": "application/json"},
                timeout=self.policy.timeout,
                verify=True,
                follow_redirects=True,
                proxy=proxy,
                transport=self.transport,
            )
        return self._clients[proxy]

    def _wait(self, seconds: float, cancelled: IsCancelled) -> None:
        """Sleep in short steps so Cancel answers within a second."""
        self.counters.waited += seconds
        end = self.clock() + seconds
        while True:
            check(cancelled)
            left = end - self.clock()
            if left <= 0:
                return
            self.sleep(min(left, 0.5))

    def _polite(self, cancelled: IsCancelled) -> None:
        if self._last is not None:
            gap = self.policy.min_interval - (self.clock() - self._last)
            if gap > 0:
                self._wait(gap, cancelled)
        self._last = self.clock()

    def _backoff(self, attempt: int) -> float:
        base = min(self.policy.max_backoff, self.policy.backoff * 2 ** (attempt - 1))
        return base * (0.5 + self.jitter() / 2)  # "equal jitter": never all at once

    def get_page(
        self, url: str, *, label: str, cancelled: IsCancelled = never_cancelled
    ) -> tuple[dict, bytes]:
        """The page at ``url`` as (parsed package, body bytes).

        Raises :class:`FeedOffline` when the first request of the fetch gets no answer,
        :class:`FeedFailed` after ``attempts`` failed tries, and Cancelled when asked to stop.
        """
        import httpx

        last_problem = ""
        for attempt in range(1, self.policy.attempts + 1):
            self._polite(cancelled)
            self.counters.requests += 1
            wait: float | None = None
            try:
                response = self._client(url).get(url)
                body = response.content
                self.reached = True
            except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
                if not self.reached:
                    raise FeedOffline(f"{label} could not be reached ({_reason(exc)}).") from exc
                last_problem = f"no connection ({_reason(exc)})"
            except httpx.TimeoutException:
                last_problem = "no answer in time"
            except (httpx.TransportError, httpx.DecodingError) as exc:
                self.reached = True
                last_problem = f"the connection dropped ({_reason(exc)})"
            else:
                status = response.status_code
                if status == 200:
                    try:
                        return _page(response, body), body
                    except BadPage as exc:
                        last_problem = str(exc)
                elif status in (429, 503):
                    wait = _retry_after(response.headers.get("Retry-After"))
                    last_problem = (
                        "too many requests (HTTP 429)"
                        if status == 429
                        else "service unavailable (HTTP 503)"
                    )
                    if wait is not None and wait > MAX_WAIT:
                        raise FeedFailed(
                            f"{label} asked us to wait {wait / 60:.0f} minutes. Everything "
                            "fetched so far is kept; try again later."
                        )
                elif 500 <= status < 600:
                    last_problem = f"a server error (HTTP {status})"
                else:
                    # 4xx other than 429: asking again will not help.
                    raise FeedFailed(
                        f"{label} refused the request (HTTP {status}) for {url}. Everything "
                        "fetched so far is kept. Check the address (--url) or try again later."
                    )
            self.counters.problems.append(f"{url}: {last_problem}")
            if attempt == self.policy.attempts:
                break
            self.counters.retries += 1
            self._wait(wait if wait is not None else self._backoff(attempt), cancelled)
        raise FeedFailed(
            f"{label} did not give a usable page after {self.policy.attempts} tries "
            f"(last: {last_problem}). Everything fetched so far is kept; the next fetch "
            "carries on from here."
        )


def _env_proxy_set() -> bool:
    return any(
        os.environ.get(name)
        for name in ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "ALL_PROXY")
    )


def _reason(exc: Exception) -> str:
    text = str(exc).strip()
    return text.splitlines()[0][:160] if text else type(exc).__name__


def _retry_after(value: str | None) -> float | None:
    """Seconds to wait from a Retry-After header (seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return max(0.0, (moment - dt.datetime.now(dt.UTC)).total_seconds())


def _page(response: httpx.Response, body: bytes) -> dict:
    """The release package in ``body``, or BadPage: a maintenance page, a cut-off download or
    another JSON shape is never handed to the importer."""
    if len(body) > MAX_BODY:
        raise BadPage(f"the page is too large ({len(body):,} bytes)")
    kind = response.headers.get("Content-Type", "").split(";")[0].strip().lower()
    head = body[:64].lstrip(b"\xef\xbb\xbf \t\r\n")
    if kind == "text/html" or head[:1] == b"<":
        raise BadPage("a web page came back instead of data (the service may be down for work)")
    try:
        package = json.loads(body)
    except (ValueError, RecursionError) as exc:
        raise BadPage(f"the page is not complete JSON ({_reason(exc)})") from exc
    if not isinstance(package, dict) or not isinstance(package.get("releases"), list):
        raise BadPage("the page is JSON but not a release package (no 'releases' list)")
    return package
