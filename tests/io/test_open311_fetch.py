"""Paging a GeoReport v2 endpoint: nothing lost or doubled, faults survived, secrets kept out.

The endpoint is a local ThreadingHTTPServer that answers like a real one from
a fixed-seed synthetic dataset of ~4,500 requests over three years: it refuses
windows longer than 90 days (HTTP 400), answers at most the newest 1,000
requests of a window, and can be told to fail chosen requests (429 with
Retry-After, 503, a connection dropped after the headers or mid-body, a
connection closed without an answer). Sleeping is injected and recorded, so
no test waits.
"""

from __future__ import annotations

import json
import random
import threading
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest

from mapdesk.core.errors import DataSourceError, WebServiceError
from mapdesk.io.georeport import REQUEST_FIELDS
from mapdesk.io.open311_fetch import (
    FetchResult,
    fetch_service_requests,
    redact_url,
    requests_url,
)

API_KEY = "s3cret-KEY-4242"
START = datetime(2021, 1, 1, tzinfo=UTC)
END = datetime(2024, 1, 1, tzinfo=UTC)
SERVER_CAP = 1000
SERVER_MAX_DAYS = 90
STORM_DAY = datetime(2022, 3, 14, tzinfo=UTC)


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _request(rng: random.Random, requested: datetime) -> dict[str, str]:
    updated = requested + timedelta(hours=rng.randrange(1, 500))
    return {
        "status": rng.choice(["open", "closed"]),
        "service_name": rng.choice(["Pothole", "Streetlight out", "Trash", "Odour"]),
        "service_code": f"{rng.randrange(1, 20):03d}",
        "description": rng.choice(
            ["Deep pothole", "<script>alert(1)</script> & <b>bold</b>", "Light out\r\nagain"]
        ),
        "requested_datetime": _iso(requested),
        "updated_datetime": _iso(updated),
        "address": f"{rng.randrange(1, 400)} Congress St",
        "zipcode": "04101",
        "lat": f"{43.62 + rng.random() / 20:.6f}",
        "long": f"{-70.30 + rng.random() / 20:.6f}",
    }


def synthetic_requests(seed: int = 20240607) -> list[dict[str, str]]:
    """~4,500 requests over 2021-2023: a steady flow, a storm day, some on window edges."""
    rng = random.Random(seed)
    seconds = int((END - START).total_seconds())
    moments = [START + timedelta(seconds=rng.randrange(seconds)) for _ in range(2800)]
    # A storm: 1,650 reports in one day, more than the server's cap many times over.
    moments += [STORM_DAY + timedelta(seconds=rng.randrange(86400)) for _ in range(1650)]
    # Reports exactly on the 90-day window edges the client uses: both windows return them.
    moments += [START + timedelta(days=90 * k) for k in range(1, 13)]
    moments.sort()
    records = [_request(rng, moment) for moment in moments]
    for number, record in enumerate(records, start=1):
        record["service_request_id"] = f"{number:07d}"
    return records


DATASET = synthetic_requests()


def _error_body(fmt: str, code: int, text: str) -> bytes:
    if fmt == "json":
        return json.dumps([{"code": code, "description": text}]).encode()
    return (
        f"<?xml version='1.0'?><errors><error><code>{code}</code>"
        f"<description>{text}</description></error></errors>"
    ).encode()


def _body(fmt: str, records: list[dict[str, str]]) -> bytes:
    if fmt == "json":
        return json.dumps(records).encode()
    root = ET.Element("service_requests")
    for record in records:
        request = ET.SubElement(root, "request")
        for name, value in record.items():
            ET.SubElement(request, name).text = value
    return b"<?xml version='1.0' encoding='utf-8'?>" + ET.tostring(root, encoding="utf-8")


class GeoReportServer(ThreadingHTTPServer):
    """A GeoReport v2 endpoint with a real server's limits and scripted faults."""

    daemon_threads = True

    def __init__(self, records: list[dict[str, str]], faults: dict[int, str]) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.records = records
        self.faults = faults
        self.log: list[str] = []
        self.lock = threading.Lock()

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/open311/v2?api_key={API_KEY}"

    def number(self, path: str) -> int:
        with self.lock:
            self.log.append(path)
            return len(self.log)

    def answered_windows(self) -> list[tuple[datetime, datetime]]:
        windows = []
        for path in self.log:
            query = parse_qs(urlsplit(path).query)
            windows.append(
                (
                    datetime.fromisoformat(query["start_date"][0]),
                    datetime.fromisoformat(query["end_date"][0]),
                )
            )
        return windows


class _Handler(BaseHTTPRequestHandler):
    server: GeoReportServer

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: the test reads server.log instead."""

    def _send(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        number = self.server.number(self.path)
        fault = self.server.faults.get(number) or self.server.faults.get(0)
        if fault and self._fault(fault):
            return
        parts = urlsplit(self.path)
        query = {name: values[0] for name, values in parse_qs(parts.query).items()}
        fmt = parts.path.rpartition(".")[2]
        if parts.path not in ("/open311/v2/requests.json", "/open311/v2/requests.xml"):
            self._send(404, _error_body("json", 404, "Not found"))
        elif query.get("api_key") != API_KEY:
            # Real servers echo the key they were given: the client must scrub it.
            said = f"Invalid api_key {query.get('api_key')!r} received"
            self._send(403, _error_body(fmt, 403, said))
        else:
            self._answer(fmt, query)

    def _answer(self, fmt: str, query: dict[str, str]) -> None:
        start = datetime.fromisoformat(query["start_date"])
        end = datetime.fromisoformat(query["end_date"])
        if end - start > timedelta(days=SERVER_MAX_DAYS):
            self._send(400, _error_body(fmt, 400, "Date range cannot exceed 90 days"))
            return
        low, high = _iso(start), _iso(end)
        chosen = [r for r in self.server.records if low <= r["requested_datetime"] <= high]
        newest = sorted(chosen, key=lambda r: r["requested_datetime"], reverse=True)
        self._send(200, _body(fmt, newest[:SERVER_CAP]))

    def _fault(self, fault: str) -> bool:
        if fault == "429":
            self._send(429, b"slow down", {"Retry-After": "1"})
        elif fault == "429-date":
            self._send(429, b"", {"Retry-After": formatdate(time.time() + 2, usegmt=True)})
        elif fault in ("503", "always-503"):
            self._send(503, b"<html>Service Unavailable</html>")
        elif fault == "drop-after-headers":
            self.send_response(200)
            self.send_header("Content-Length", "5000")
            self.end_headers()
        elif fault == "short-body":
            self.send_response(200)
            self.send_header("Content-Length", "100000")
            self.end_headers()
            self.wfile.write(b'[{"service_request_id": "9')
        elif fault != "hang-up":
            return False
        self.close_connection = True  # "hang-up": close without a word
        return True


@pytest.fixture
def serve() -> Iterator:
    servers = []

    def start(records=DATASET, faults=None) -> GeoReportServer:
        server = GeoReportServer(records, faults or {})
        threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def _as_decoded(record: dict[str, str]) -> dict[str, str | None]:
    return {**dict.fromkeys(REQUEST_FIELDS), **record}


def _fetch(server: GeoReportServer, **options) -> FetchResult:
    options.setdefault("sleep", lambda seconds: pytest.fail(f"slept {seconds} s"))
    return fetch_service_requests(server.endpoint, START, END, **options)


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_three_years_come_back_whole_through_the_server_limits(serve, fmt):
    server = serve()
    result = _fetch(server, fmt=fmt)

    ids = [r["service_request_id"] for r in result.records]
    assert len(ids) == len(DATASET) == len(set(ids))
    assert set(ids) == {r["service_request_id"] for r in DATASET}
    by_id = {r["service_request_id"]: r for r in result.records}
    expected = {r["service_request_id"]: _as_decoded(r) for r in DATASET}
    if fmt == "xml":  # an XML parser turns CR LF into LF
        for record in expected.values():
            record["description"] = record["description"].replace("\r\n", "\n")
    assert by_id == expected
    windows = server.answered_windows()
    assert all(end - start <= timedelta(days=90) for start, end in windows)
    assert result.windows == len(windows) and result.retries == 0
    assert result.splits >= 2  # the storm day needs several halvings
    assert result.duplicates >= 12  # the requests on window edges came twice
    assert result.notes == () and not result.cancelled


def test_429_503_and_dropped_connections_are_retried_and_counted(serve):
    faults = {2: "429", 4: "drop-after-headers", 6: "short-body", 8: "hang-up", 10: "503"}
    server = serve(faults=faults)
    slept: list[float] = []
    messages: list[str] = []

    result = _fetch(server, sleep=slept.append, backoff=0.25, progress=messages.append)

    assert len(result.records) == len(DATASET)
    assert {r["service_request_id"] for r in result.records} == {
        r["service_request_id"] for r in DATASET
    }
    assert result.retries == 5
    assert sorted(slept) == [0.25, 0.25, 0.25, 0.25, 1.0]  # Retry-After: 1 honoured
    retry_messages = [m for m in messages if "retrying in" in m]
    assert len(retry_messages) == 5
    assert any("busy (HTTP 429" in m for m in retry_messages)
    assert any("dropped in the middle" in m for m in retry_messages)
    assert any("closed the connection" in m for m in retry_messages)
    assert all(API_KEY not in m for m in messages)


def test_retry_after_as_an_http_date_is_honoured(serve):
    server = serve(faults={1: "429-date"})
    slept: list[float] = []
    result = _fetch(server, sleep=slept.append)
    assert len(result.records) == len(DATASET)
    assert len(slept) == 1 and 0 < slept[0] <= 3


def test_the_backoff_doubles_and_the_fetch_gives_up_naming_the_url(serve):
    server = serve(faults={0: "always-503"})
    slept: list[float] = []
    with pytest.raises(WebServiceError, match=r"gave up after 3 attempts: .*HTTP 503") as info:
        _fetch(server, sleep=slept.append, retries=2, backoff=0.5)
    assert slept == [0.5, 1.0]
    assert "/open311/v2/requests.json?api_key=REDACTED" in str(info.value)
    assert API_KEY not in str(info.value) and info.value.status == 503


@pytest.mark.parametrize(
    ("endpoint", "status", "words"),
    [
        ("http://127.0.0.1:{port}/nowhere?api_key=" + API_KEY, 404, "check the endpoint address"),
        ("http://127.0.0.1:{port}/open311/v2?api_key=wrong-key-XYZ", 403, "Invalid api_key"),
    ],
)
def test_404_and_403_fail_at_once_without_the_api_key(serve, endpoint, status, words):
    server = serve()
    url = endpoint.format(port=server.server_address[1])
    with pytest.raises(WebServiceError, match=rf"HTTP {status} .*{words}") as info:
        fetch_service_requests(url, START, END, sleep=lambda s: pytest.fail("retried"))
    message = str(info.value)
    assert "api_key=REDACTED" in message
    assert API_KEY not in message and "wrong-key-XYZ" not in message
    assert info.value.status == status and len(server.log) == 1


def test_progress_tells_each_window_and_each_split(serve):
    server = serve()
    messages: list[str] = []
    _fetch(server, progress=messages.append)
    fetching = [m for m in messages if m.startswith("Fetching service requests")]
    assert len(fetching) == len(server.log)
    assert fetching[0] == "Fetching service requests 2021-01-01T00:00:00Z to 2021-04-01T00:00:00Z"
    assert any(
        "reach the server's limit of 1000; asking again in two halves" in m for m in messages
    )


def test_cancelling_stops_before_the_next_window(serve):
    server = serve()
    polls = iter(range(100))
    result = _fetch(server, cancelled=lambda: next(polls) >= 3)
    assert result.cancelled and result.windows == 3 and len(server.log) == 3
    assert "Cancelled after 3 windows" in result.notes[-1]
    assert 0 < len(result.records) < len(DATASET)


def test_a_second_still_full_is_reported_not_hidden(serve):
    moment = datetime(2022, 6, 1, 12, tzinfo=UTC)
    rng = random.Random(7)
    same_second = [
        {**_request(rng, moment), "service_request_id": f"S{n:05d}"} for n in range(1005)
    ]
    server = serve(records=same_second)
    result = fetch_service_requests(
        server.endpoint, moment - timedelta(hours=1), moment + timedelta(hours=1), sleep=pytest.fail
    )
    assert len(result.records) == SERVER_CAP
    assert any("may be missing" in note for note in result.notes)


class _Canned:
    """A response object as urlopen gives, for an injected opener."""

    def __init__(self, body: bytes) -> None:
        self.body, self.headers = body, {"Content-Length": str(len(body))}

    def __enter__(self) -> _Canned:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def read(self, size: int = -1) -> bytes:
        chunk, self.body = self.body, b""
        return chunk


def test_copies_of_a_request_keep_the_latest_update():
    newer = {"service_request_id": "1", "status": "closed", "updated_datetime": "2024-02-01T00:00Z"}
    older = {"service_request_id": "1", "status": "open", "updated_datetime": "2024-01-01T00:00Z"}
    other = {"service_request_id": "2", "status": "open"}
    pages = iter([[newer], [older, other]])

    def opener(request, timeout):
        return _Canned(json.dumps(next(pages)).encode())

    result = fetch_service_requests(
        "https://fixit.example/open311/v2",
        datetime(2024, 1, 1, tzinfo=UTC),
        datetime(2024, 1, 3, tzinfo=UTC),
        window_days=1,
        opener=opener,
    )
    assert [(r["service_request_id"], r["status"]) for r in result.records] == [
        ("1", "closed"),
        ("2", "open"),
    ]
    assert result.duplicates == 1 and result.windows == 2


@pytest.mark.parametrize(
    "endpoint",
    ["file:///etc/passwd", "ftp://fixit.example/v2", "javascript:alert(1)", "fixit.example/v2"],
)
def test_only_http_endpoints_are_fetched(endpoint):
    with pytest.raises(DataSourceError, match="only http:// and https://"):
        fetch_service_requests(endpoint, START, END, opener=lambda *a, **k: pytest.fail())


def test_requests_url_and_redaction():
    assert requests_url("https://h/open311/v2/", "xml") == "https://h/open311/v2/requests.xml"
    assert requests_url("https://h/v2/requests.xml?x=1", "json") == "https://h/v2/requests.json?x=1"
    assert redact_url("https://me:pw@h/v2?api_key=abc&jurisdiction_id=portland.me") == (
        "https://REDACTED@h/v2?api_key=REDACTED&jurisdiction_id=portland.me"
    )


def test_naive_or_reversed_periods_are_refused():
    with pytest.raises(ValueError, match="timezone-aware"):
        fetch_service_requests("https://h/v2", datetime(2024, 1, 1), END)
    with pytest.raises(ValueError, match="not before"):
        fetch_service_requests("https://h/v2", END, START)
    with pytest.raises(ValueError, match="window_days"):
        fetch_service_requests("https://h/v2", START, END, window_days=91)
