"""Fetching from the tender feeds, against a local server replaying real recorded pages.

Each test ends by checking the workspace holds exactly the notices of the pages that succeeded.
No test really sleeps: the client's clock and sleep are fakes.
"""

from __future__ import annotations

import datetime as dt
import threading

import pytest

from consortium.tenders import feeds
from consortium.tenders.feeds.client import USER_AGENT, Client, Policy
from consortium.tenders.feeds.fetch import DEFAULT_DAYS, ago, fetch, position
from consortium.workspace import Workspace
from tests.feed_server import CF_PAGE, FTS_PAGE, FakeTime, FeedServer, chain, closed_port

NOW = dt.datetime(2026, 11, 23, 9, 30, tzinfo=dt.UTC)


@pytest.fixture
def ws(tmp_path):
    w = Workspace.create(tmp_path / "feeds.consortium")
    yield w
    w.close()


@pytest.fixture
def clock():
    return FakeTime()


def client(clock, **policy) -> Client:
    return Client(
        Policy(min_interval=policy.pop("min_interval", 0), **policy),
        sleep=clock.sleep,
        clock=clock.clock,
        jitter=lambda: 0.5,
    )


def stored(ws) -> set[tuple[str, str]]:
    return {tuple(r) for r in ws.conn.execute("SELECT ocid, release_id FROM tender_releases")}


def run(ws, server, clock, source="fts", **kw):
    return fetch(ws, [source], base_url=server.url, client=client(clock), now=NOW, **kw)


def test_registry_is_one_line_per_source():
    assert set(feeds.FEEDS) == {"fts", "cf"}
    assert feeds.feed("fts").label == "Find a Tender"
    with pytest.raises(KeyError, match="fts, cf"):
        feeds.feed("pcs")


def test_full_fetch_follows_links_until_a_page_without_them(ws, clock):
    with FeedServer(chain("fts", FTS_PAGE, 4)) as server:
        report = run(ws, server, clock)
        assert report.status == "complete", report.message
        assert [r.split("?")[0] for r in server.requests] == ["/api/1.0/ocdsReleasePackages"] * 4
        first = server.queries()[0]
        # The first fetch goes back 90 days, in UK local time (BST then), never with stages.
        assert first["updatedFrom"] == ["2026-08-25T10:30:00"]
        assert first["limit"] == ["100"] and "stages" not in first
        assert [q.get("cursor") for q in server.queries()] == [None, ["c1"], ["c2"], ["c3"]]
        assert all(ua == USER_AGENT and "Consortium/" in ua for ua in server.user_agents)
        assert stored(ws) == server.releases_of("fts", range(4))
    r = report.feeds[0]
    assert r.pages == 4 and r.releases_read == 100 and not r.more_to_fetch
    assert len(report.new_ocids) == r.tenders_new > 50
    assert report.to_dict()["tenders_new"] == r.tenders_new
    assert "Find a Tender: 4 pages, 100 notices" in report.message
    pos = position(ws, "fts", server.url)
    assert pos["next_url"] is None and pos["pages"] == 4
    assert pos["updated_from"] == "2026-11-23T09:20:00.000000Z"  # run start less 10 minutes
    assert DEFAULT_DAYS == 90


def test_incremental_fetch_asks_only_for_what_is_new(ws, clock):
    with FeedServer(chain("fts", FTS_PAGE, 2)) as server:
        run(ws, server, clock)
        server.requests.clear()
        later = NOW + dt.timedelta(days=2)
        report = fetch(ws, ["fts"], base_url=server.url, client=client(clock), now=later)
        # Asked from where the last run started (less the overlap), in UK time (GMT in November)
        assert server.queries()[0]["updatedFrom"] == ["2026-11-23T09:20:00"]
        assert report.feeds[0].tenders_new == 0 and report.new_ocids == []
        assert report.feeds[0].duplicates_skipped == 100  # the same pages again: a no-op
        assert stored(ws) == server.releases_of("fts", range(2))


def test_since_and_summer_time(ws, clock):
    with FeedServer(chain("fts", FTS_PAGE, 1)) as server:
        run(ws, server, clock, since=dt.datetime(2026, 8, 12, 6, 0, tzinfo=dt.UTC))
        assert server.queries()[0]["updatedFrom"] == ["2026-08-12T07:00:00"]  # BST


def test_429_with_retry_after_is_waited_out(ws, clock):
    with FeedServer(chain("fts", FTS_PAGE, 3)) as server:
        server.faults = [("status", 429, {"Retry-After": "120"}, b"Too many requests")]
        c = client(clock)
        report = fetch(ws, ["fts"], base_url=server.url, client=c, now=NOW)
        assert report.status == "complete"
        assert c.counters.waited == 120 and clock.now - 1000 == 120
        assert report.feeds[0].retries == 1 and report.feeds[0].requests == 4
        assert stored(ws) == server.releases_of("fts", range(3))


def test_500_then_success_backs_off(ws, clock):
    with FeedServer(chain("fts", FTS_PAGE, 2)) as server:
        server.faults = [None, ("status", 500, {}, b"oops"), ("status", 502, {}, b"oops")]
        c = client(clock, backoff=2.0)
        report = fetch(ws, ["fts"], base_url=server.url, client=c, now=NOW)
        assert report.status == "complete"
        assert c.counters.waited == pytest.approx(2 * 0.75 + 4 * 0.75)  # doubling, with jitter
        assert stored(ws) == server.releases_of("fts", range(2))


def test_minimum_interval_between_requests(ws, clock):
    with FeedServer(chain("fts", FTS_PAGE, 3)) as server:
        c = client(clock, min_interval=10)
        fetch(ws, ["fts"], base_url=server.url, client=c, now=NOW)
        assert c.counters.waited == pytest.approx(20)  # 3 requests, 2 gaps


@pytest.mark.parametrize("fault", [("drop",), ("html",), ("truncate",)])
def test_a_bad_page_is_retried_and_never_imported(ws, clock, fault):
    with FeedServer(chain("fts", FTS_PAGE, 3)) as server:
        server.faults = [None, fault]
        report = run(ws, server, clock)
        assert report.status == "complete", report.message
        assert report.feeds[0].retries == 1 and report.feeds[0].problems
        assert stored(ws) == server.releases_of("fts", range(3))


@pytest.mark.parametrize("fault", [("html",), ("truncate",), ("status", 500, {}, b"x")])
def test_repeated_failure_stops_clearly_and_keeps_what_was_stored(ws, clock, fault):
    with FeedServer(chain("fts", FTS_PAGE, 3)) as server:
        server.faults = [None] + [fault] * 5
        report = run(ws, server, clock)
        assert report.status == "failed"
        assert "after 5 tries" in report.message and "kept" in report.message
        assert report.feeds[0].pages == 1 and report.feeds[0].more_to_fetch
        assert stored(ws) == server.releases_of("fts", [0])
        # The next fetch carries on from page 2, not from the start.
        server.requests.clear()
        again = run(ws, server, clock)
        assert again.status == "complete" and again.feeds[0].resumed
        assert server.queries()[0]["cursor"] == ["c1"]
        assert stored(ws) == server.releases_of("fts", range(3))


def test_cancel_mid_fetch_then_resume(ws, clock):
    with FeedServer(chain("fts", FTS_PAGE, 4)) as server:
        asked = []

        def cancelled():
            # Cancel once two pages are stored (committed: it is asked inside a page's
            # transaction, where this thread reads only on its own connection).
            asked.append(1)
            return position(ws.reader, "fts", server.url) is not None and (
                position(ws.reader, "fts", server.url)["pages"] >= 2
            )

        report = run(ws, server, clock, cancelled=cancelled)
        assert report.status == "cancelled" and "2 pages kept" in report.message
        assert stored(ws) == server.releases_of("fts", range(2))
        server.requests.clear()
        again = run(ws, server, clock)
        assert again.feeds[0].resumed and again.feeds[0].pages == 2
        assert [q["cursor"] for q in server.queries()] == [["c2"], ["c3"]]  # none twice
        assert again.feeds[0].duplicates_skipped == 0  # no page imported twice
        assert stored(ws) == server.releases_of("fts", range(4))  # none skipped


def until(condition, seconds: float = 30) -> None:
    """Wait for another thread to get somewhere; fail (not hang) if it never does."""
    stop = threading.Event()
    for _ in range(int(seconds * 100)):
        if condition():
            return
        stop.wait(0.01)
    raise AssertionError("the other thread never got there")


def fetching_after_page_one(ws, server, clock, **kw) -> tuple[threading.Thread, list]:
    """A fetch run on a thread of its own (as in the window), and the list its report will
    be put in; returned once its first page is stored and the server holds the next."""
    out: list = []
    fetcher = threading.Thread(target=lambda: out.append(run(ws, server, clock, **kw)))
    fetcher.start()
    until(lambda: (position(ws.reader, "fts", server.url) or {}).get("pages"))
    return fetcher, out


def test_a_page_waits_its_turn_behind_another_write_then_is_stored(ws, clock):
    # In the window the download runs beside the user's own tasks. A page that arrived while
    # one held the writer (an import, making the file smaller) was refused as "busy" after 5 s,
    # which ended the whole download as failed.
    inside, go = threading.Event(), threading.Event()

    def long_write():
        with ws.transaction():
            ws.write(lambda: ws.writer_conn.execute("INSERT INTO settings VALUES ('held', '1')"))
            inside.set()
            go.wait(60)

    holder = threading.Thread(target=long_write)
    said: list[str] = []
    with FeedServer(chain("fts", FTS_PAGE, 4)) as server:
        server.allow(1)
        fetcher, out = fetching_after_page_one(
            ws, server, clock, progress=lambda d, t, x: said.append(x)
        )
        holder.start()
        assert inside.wait(30)
        server.allow(None)
        until(lambda: any("page 2 is in" in x for x in said))
        assert (
            said[-1] == "Find a Tender: page 2 is in; it is stored once the task in hand is done…"
        )
        assert stored(ws) == server.releases_of("fts", range(1))  # not slipped into the other
        go.set()
        holder.join(30)
        fetcher.join(60)
    report = out[0]
    assert report.status == "complete", report.message
    assert report.feeds[0].pages == 4 and stored(ws) == server.releases_of("fts", range(4))
    assert ws.db["settings"].count_where("key = 'held'") == 1


def test_a_page_waits_out_another_program_holding_the_file(ws, clock):
    # A scheduled `consortium tenders fetch`, or an import from the command line, holds the
    # file from another process: the window's page was refused as "busy" after 5 s, which
    # ended the download as failed. Another connection to the file stands in for it here.
    import sqlite3

    other = sqlite3.connect(ws.path, isolation_level=None, check_same_thread=False)
    said: list[str] = []
    try:
        with FeedServer(chain("fts", FTS_PAGE, 3)) as server:
            server.allow(1)
            fetcher, out = fetching_after_page_one(
                ws, server, clock, progress=lambda d, t, x: said.append(x)
            )
            other.execute("BEGIN IMMEDIATE")
            server.allow(None)
            until(lambda: any("page 2 is in" in x for x in said))
            # Meanwhile this process's own writes are not held up behind the wait.
            assert ws.write(lambda: "written") == "written"
            assert stored(ws) == server.releases_of("fts", range(1))
            other.execute("ROLLBACK")
            fetcher.join(60)
    finally:
        other.close()
    report = out[0]
    assert report.status == "complete", report.message
    assert report.feeds[0].pages == 3 and stored(ws) == server.releases_of("fts", range(3))


def test_new_for_the_fetch_is_what_its_pages_brought_not_a_hand_import_meanwhile(ws, clock):
    # In the window a file can be imported by hand between the download's pages. "New for
    # you" counted every tender first seen since the fetch began, so it listed those too.
    import copy
    import json

    from consortium.tenders.importer import import_releases
    from tests.conftest import FIXTURES

    releases = json.loads(
        (FIXTURES / "ocds" / "fts-selected-civil-society-releases.json").read_text("utf-8")
    )["releases"]
    by_hand = []
    for i, release in enumerate(releases[:7]):
        release = copy.deepcopy(release)
        release["ocid"], release["id"] = f"ocds-by-hand-{i}", f"ocds-by-hand-{i}-1"
        by_hand.append(release)
    with FeedServer(chain("fts", FTS_PAGE, 3)) as server:
        server.allow(1)
        fetcher, out = fetching_after_page_one(ws, server, clock)
        assert import_releases(ws, by_hand, label="by-hand.json").tenders_new == 7
        server.allow(None)
        fetcher.join(60)
    report = out[0]
    assert report.status == "complete", report.message
    fetched = {ocid for ocid, _ in server.releases_of("fts", range(3))}
    assert set(report.new_ocids) == fetched and len(report.new_ocids) == len(fetched)
    assert report.feeds[0].tenders_new == len(fetched)
    assert not any(o.startswith("ocds-by-hand-") for o in report.new_ocids)
    assert ws.db["tenders"].count_where("ocid LIKE 'ocds-by-hand-%'") == 7


def test_cancel_while_a_page_waits_its_turn_stores_nothing_of_it(ws, clock):
    inside, go, stop = threading.Event(), threading.Event(), threading.Event()

    def long_write():
        with ws.transaction():
            inside.set()
            go.wait(60)

    holder = threading.Thread(target=long_write)
    with FeedServer(chain("fts", FTS_PAGE, 4)) as server:
        server.allow(1)

        def waiting(_d, _t, text):
            if "is in; it is stored once" in text:
                stop.set()  # the user presses Cancel while the page waits

        fetcher, out = fetching_after_page_one(
            ws, server, clock, progress=waiting, cancelled=stop.is_set
        )
        holder.start()
        assert inside.wait(30)
        server.allow(None)
        fetcher.join(60)
        assert not fetcher.is_alive()  # it did not wait for the other write to end
        go.set()
        holder.join(30)
    report = out[0]
    assert report.status == "cancelled" and "1 page kept" in report.message
    assert stored(ws) == server.releases_of("fts", range(1))
    assert position(ws, "fts", server.url)["pages"] == 1  # the next fetch asks for page 2


def test_offline_is_one_calm_line(ws, clock):
    report = fetch(ws, ["fts"], base_url=closed_port(), client=client(clock), now=NOW)
    assert report.status == "offline"
    assert report.message == (
        "offline — showing what you already have, never updated from the internet"
    )
    assert stored(ws) == set()
    with FeedServer(chain("fts", FTS_PAGE, 1)) as server:
        run(ws, server, clock)
    report = fetch(ws, ["fts", "cf"], base_url=closed_port(), client=client(clock), now=NOW)
    assert report.message == "offline — showing what you already have, last updated just now"
    assert len(report.feeds) == 1  # offline: the next feed is not tried
    assert ago(NOW - dt.timedelta(days=3, hours=2), NOW) == "3 days ago"


def test_contracts_finder_and_positions_per_url(ws, clock):
    with FeedServer(chain("cf", CF_PAGE, 3)) as server:
        report = fetch(ws, ["cf"], base_url=server.url, client=client(clock), now=NOW)
        assert report.status == "complete"
        q = server.queries()[0]
        assert server.requests[0].startswith("/Published/Notices/OCDS/Search?")
        assert q["publishedFrom"] == ["2026-08-25T10:30:00"] and q["limit"] == ["100"]
        assert stored(ws) == server.releases_of("cf", range(3))
    assert position(ws, "cf", server.url)["pages"] == 3
    assert position(ws, "cf", "https://www.contractsfinder.service.gov.uk") is None


def test_a_next_link_to_another_site_is_not_followed(ws, clock):
    with FeedServer(chain("fts", FTS_PAGE, 2)) as server:
        real = server.page

        def page(source, index):
            p = real(source, index)
            if "links" in p:
                p["links"]["next"] = "https://evil.example/next"
            return p

        server.page = page
        report = run(ws, server, clock)
        assert report.status == "failed" and "another site" in report.message
        assert stored(ws) == set()  # the page pointing away is not stored either


def test_cli_fetch_json_keys_are_stable(ws, clock, capsys, monkeypatch):
    import argparse
    import json

    from consortium.tenders import cli
    from consortium.tenders.feeds import fetch as fetch_mod

    real = fetch_mod.fetch
    monkeypatch.setattr(
        fetch_mod, "fetch", lambda *a, **kw: real(*a, client=client(clock), now=NOW, **kw)
    )
    parser = argparse.ArgumentParser(prog="consortium")
    cli.register(parser.add_subparsers(dest="command"))
    with FeedServer(chain("fts", FTS_PAGE, 2)) as server:
        argv = ["tenders", "fetch", "--source", "fts", "--url", server.url, "--since", "2026-08-01"]
        args = parser.parse_args([*argv, "--json"])
        assert args.handler(args, ws) == 0
        data = json.loads(capsys.readouterr().out)
        assert server.queries()[0]["updatedFrom"] == ["2026-08-01T01:00:00"]
    assert list(data) == [
        "status", "message", "started_at", "pages", "releases_new", "tenders_new",
        "tenders_updated", "new_ocids", "last_updated", "feeds",
    ]  # fmt: skip
    assert data["status"] == "complete" and data["pages"] == 2
    feed = data["feeds"][0]
    assert feed["source"] == "fts" and feed["base_url"] == server.url
    assert {"pages", "releases_read", "tenders_new", "more_to_fetch", "resumed"} <= set(feed)
    args = parser.parse_args(["tenders", "fetch", "--source", "fts", "--url", closed_port()])
    assert args.handler(args, ws) == 0  # offline is normal, not an error
    out = capsys.readouterr().out
    assert "offline — showing what you already have, last updated just now" in out
    with pytest.raises(SystemExit):
        parser.parse_args(["tenders", "fetch", "--since", "23/11/2026"])


def test_503_retry_after_as_an_http_date(ws, clock):
    with FeedServer(chain("fts", FTS_PAGE, 1)) as server:
        server.faults = [("status", 503, {"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"}, b"down")]
        report = run(ws, server, clock)
        assert report.status == "complete" and report.feeds[0].retries == 1


def test_a_proxy_from_the_system_settings_is_used(ws, clock, monkeypatch):
    for name in ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)
    from consortium.tenders.feeds import client as client_mod

    with FeedServer(chain("fts", FTS_PAGE, 2)) as proxy:
        # The service's own name cannot be resolved here: only the proxy can reach it.
        proxy.url = "http://feeds.invalid"
        monkeypatch.setattr(
            client_mod.urllib.request,
            "getproxies",
            lambda: {"http": f"http://127.0.0.1:{proxy.httpd.server_address[1]}"},
        )
        monkeypatch.setattr(client_mod.urllib.request, "proxy_bypass", lambda host: False)
        c = Client(Policy(min_interval=0), sleep=clock.sleep, clock=clock.clock)
        report = fetch(ws, ["fts"], base_url="http://feeds.invalid", client=c, now=NOW)
        assert report.status == "complete", report.message
        assert proxy.requests[0].startswith("http://feeds.invalid/api/1.0/ocdsReleasePackages?")
        assert stored(ws) == proxy.releases_of("fts", range(2))


def test_https_is_verified():
    c = Client()
    http = c._client("https://www.find-tender.service.gov.uk/api/1.0/ocdsReleasePackages")
    ssl = http._transport._pool._ssl_context
    assert ssl.verify_mode.name == "CERT_REQUIRED" and ssl.check_hostname
    c.close()
