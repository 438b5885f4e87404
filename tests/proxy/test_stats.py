"""Parsing ``show stat`` (a capture from HAProxy 2.6.12 in tests/proxy/data) and the counters a canary reads."""

from __future__ import annotations

import dataclasses
import itertools
from pathlib import Path

import pytest

from engine.errors import ProxyError
from engine.proxy import ServerStat, parse_show_stat

CAPTURE = (Path(__file__).parent / "data" / "show_stat_2.6.csv").read_text()


def test_server_rows_of_a_real_capture() -> None:
    servers = parse_show_stat(CAPTURE)
    assert [(s.backend, s.name, s.status, s.weight) for s in servers] == [
        ("web", "web-1", "UP", 100),
        ("web", "web-2", "no check", 50),
        ("db", "db-1", "DRAIN", 100),
    ]
    web1, web2, db1 = servers
    assert (web1.req_tot, web1.hrsp_2xx, web1.hrsp_4xx, web1.check_status) == (7, 6, 1, "L7OK")
    assert web1.check_passed and web1.serving and web1.error_rate == 0.0
    assert web1.addr.endswith(":8000")
    assert (web2.wredis, web2.req_tot, web2.error_rate, web2.check_passed) == (3, 0, 1.0, False)
    assert web2.serving and not db1.serving and db1.requests == 0 and db1.error_rate == 0.0


def test_filter_by_backend() -> None:
    assert [s.name for s in parse_show_stat(CAPTURE, "db")] == ["db-1"]
    assert parse_show_stat(CAPTURE, "nope") == []


def test_aggregate_rows_skipped_and_columns_read_by_name() -> None:
    text = "# svname,pxname,status,scur,weight\nFRONTEND,web,OPEN,0,\nx,web,MAINT,2,\nBACKEND,web,UP,0,1\n\n"
    assert parse_show_stat(text) == [ServerStat("web", "x", "MAINT", weight=0, scur=2)]


@pytest.mark.parametrize("text", ["No such proxy.\n", "", "pxname,svname\n"])
def test_anything_but_a_stat_table_is_an_error(text: str) -> None:
    with pytest.raises(ProxyError, match="show stat"):
        parse_show_stat(text)


def test_non_numeric_counter_is_an_error() -> None:
    with pytest.raises(ProxyError, match="scur"):
        parse_show_stat("# pxname,svname,scur\nweb,a,lots\n")


def test_since_subtracts_counters_and_keeps_gauges() -> None:
    before = ServerStat("web", "a", "UP", 100, scur=4, stot=10, req_tot=10, hrsp_2xx=9, hrsp_5xx=1)
    after = dataclasses.replace(before, status="DRAIN", scur=1, stot=30, req_tot=30, hrsp_2xx=20, hrsp_5xx=10)
    delta = after.since(before)
    assert (delta.status, delta.scur, delta.requests, delta.hrsp_2xx, delta.hrsp_5xx) == ("DRAIN", 1, 20, 11, 9)
    assert delta.error_rate == pytest.approx(9 / 20)
    restarted = dataclasses.replace(before, stot=2, req_tot=2)  # a re-added server starts from zero
    assert restarted.since(before).requests == 0
    with pytest.raises(ValueError, match="web/b"):
        after.since(dataclasses.replace(before, name="b"))


def test_check_in_progress_marker() -> None:
    assert ServerStat("web", "a", "MAINT", 1, 0, check_status="* L7OK").check_passed
    assert not ServerStat("web", "a", "UP 1/2", 1, 0, check_status="* INI").check_passed
    assert ServerStat("web", "a", "UP 1/2", 1, 0).serving


OUTCOMES_CSV = (Path(__file__).parent / "data" / "show_stat_outcomes_2.6.csv").read_text()
OUTCOMES = {s.name: s for s in parse_show_stat(OUTCOMES_CSV)}
# Each row: six requests of one kind through HAProxy 2.6.12 to one server (tests/proxy/test_haproxy_live.py shows
# the same live). "refused" is a server whose port is closed beside a live peer ("refused-peer").
EXPECTED = {
    "ok": (6, 0), "keepalive": (6, 0), "e500": (6, 6), "cut200": (6, 6), "cut500": (6, 6), "noans": (6, 6),
    "garbage": (6, 6), "refused": (5, 5), "refused-peer": (6, 0), "refused-alone": (6, 6),
}  # fmt: skip


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_request_counts_once_whatever_its_outcome(name: str) -> None:
    stat = OUTCOMES[name]
    assert (stat.requests, stat.errors) == EXPECTED[name]


def test_the_old_sum_counted_a_cut_short_500_twice() -> None:
    cut = OUTCOMES["cut500"]
    assert cut.hrsp_5xx + cut.eresp + cut.econ + cut.wredis == 12  # what made "824/823 (100.1%)"
    assert (cut.errors, cut.error_rate) == (6, 1.0)
    noans = OUTCOMES["noans"]
    assert noans.stot == 24 and noans.requests == 6  # retries open connections, not requests


def _total(rows: tuple[ServerStat, ...]) -> ServerStat:
    """One server that saw all of ``rows``' requests: counters add up."""
    keys = [f.name for f in dataclasses.fields(ServerStat) if f.type == "int" and f.name not in ("weight", "scur")]
    sums = {key: sum(getattr(r, key) for r in rows) for key in keys}
    return dataclasses.replace(rows[0], name="mixed", **sums)


@pytest.mark.parametrize("rows", list(itertools.combinations_with_replacement(sorted(EXPECTED), 3)))
def test_mixed_outcomes_never_exceed_the_requests_and_miss_no_failure(rows: tuple[str, ...]) -> None:
    mixed = _total(tuple(OUTCOMES[r] for r in rows))
    assert mixed.requests == sum(EXPECTED[r][0] for r in rows)
    assert sum(EXPECTED[r][1] for r in rows) <= mixed.errors <= mixed.requests
    assert 0.0 <= mixed.error_rate <= 1.0


def test_a_window_of_a_busy_server_stays_within_its_requests() -> None:
    """A request in flight when the window opened ends inside it: its failure shows, its choice (lbtot) does not."""
    before = ServerStat("web", "a", "UP", 100, scur=3, lbtot=10, req_tot=7, hrsp_5xx=7)
    after = dataclasses.replace(before, scur=0, lbtot=12, req_tot=12, hrsp_5xx=12)
    window = after.since(before)
    assert (window.requests, window.errors, window.error_rate) == (5, 5, 1.0)
