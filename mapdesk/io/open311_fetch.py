"""Fetching every service request of a period from an Open311 GeoReport v2 endpoint.

Qt-free; standard library only (:mod:`urllib.request`), so it runs in a worker
thread with a progress callback and a cancel flag.

A GeoReport server answers at most 90 days or 1,000 requests at a time (the
specification's default), so :func:`fetch_service_requests` asks for windows
of at most ``window_days`` and, when a window comes back full, splits it in
two and asks again, down to one second. Windows share their boundary instant
(``start_date`` and ``end_date`` are inclusive, and a server may compare
sub-second times), so a request can come back twice: requests are merged by
``service_request_id``, keeping the most recently updated copy.

Each GET is retried through :class:`~mapdesk.io.open311_http.GeoReportClient`
(timeouts, dropped connections, HTTP 5xx with backoff; HTTP 429 after its
``Retry-After``), and every URL in a message has its secrets redacted.
"""

from __future__ import annotations

import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from mapdesk.core.errors import DataSourceError
from mapdesk.io.georeport import ServiceRequest, decode_service_requests
from mapdesk.io.open311_http import (
    SCHEMES,
    FetchCancelled,
    GeoReportClient,
    default_opener,
    redact_url,
    secrets_in,
)

__all__ = ["MAX_WINDOW_DAYS", "FetchResult", "fetch_service_requests", "redact_url", "requests_url"]

#: The longest window a GeoReport server is expected to answer.
MAX_WINDOW_DAYS = 90
_ONE_SECOND = timedelta(seconds=1)


@dataclass(frozen=True)
class FetchResult:
    """What :func:`fetch_service_requests` brought back.

    Attributes
    ----------
    records : list of dict
        The service requests, as :func:`~mapdesk.io.georeport.decode_service_requests`
        gives them, one per ``service_request_id``. Incomplete when ``cancelled``.
    windows : int
        Date windows the server answered (including those split and asked again).
    retries : int
        Requests repeated after a timeout, dropped connection, 429 or 5xx.
    duplicates : int
        Copies of the same request (from overlapping windows) merged away.
    splits : int
        Full windows split in two because the server's page limit was reached.
    notes : tuple of str
        Things the user should know: windows still full at one second (requests
        may be missing), requests without an id, cancellation.
    cancelled : bool
        True when ``cancelled()`` stopped the fetch before every window was read.
    """

    records: list[ServiceRequest]
    windows: int
    retries: int
    duplicates: int
    splits: int = 0
    notes: tuple[str, ...] = ()
    cancelled: bool = False


# --- URLs and secrets -------------------------------------------------------


def requests_url(endpoint: str, fmt: Literal["json", "xml"]) -> str:
    """The ``requests.json``/``requests.xml`` URL of a GeoReport v2 endpoint.

    ``endpoint`` is the service's base URL (``https://host/open311/v2``) or
    its requests URL; an extension already there is replaced by ``fmt``. Its
    query (an ``api_key``, a ``jurisdiction_id``) is kept.

    Raises
    ------
    DataSourceError
        The endpoint is not an http:// or https:// URL with a host.
    """
    parts = urllib.parse.urlsplit(endpoint.strip())
    if parts.scheme.lower() not in SCHEMES or not parts.hostname:
        raise DataSourceError(
            f"{redact_url(endpoint)}: only http:// and https:// GeoReport endpoints can be fetched"
        )
    path = parts.path
    if path.endswith(("/requests.json", "/requests.xml")):
        path = path.rpartition(".")[0]
    else:
        path = path.rstrip("/") + "/requests"
    return urllib.parse.urlunsplit(parts._replace(path=f"{path}.{fmt}"))


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _window_url(base: str, start: datetime, end: datetime, jurisdiction_id: str | None) -> str:
    parts = urllib.parse.urlsplit(base)
    ours = {"start_date", "end_date"} | ({"jurisdiction_id"} if jurisdiction_id else set())
    query = [
        pair
        for pair in urllib.parse.parse_qsl(parts.query, keep_blank_values=True)
        if pair[0] not in ours
    ]
    if jurisdiction_id:
        query.append(("jurisdiction_id", jurisdiction_id))
    query += [("start_date", _iso(start)), ("end_date", _iso(end))]
    return urllib.parse.urlunsplit(parts._replace(query=urllib.parse.urlencode(query, safe=":")))


# --- windows ----------------------------------------------------------------


def _whole_seconds(start: datetime, end: datetime) -> tuple[datetime, datetime]:
    """The period widened to whole seconds, the precision of the query."""
    for moment in (start, end):
        if moment.tzinfo is None or moment.utcoffset() is None:
            raise ValueError("start and end must be timezone-aware datetimes")
    first = start.astimezone(UTC).replace(microsecond=0)
    last = end.astimezone(UTC)
    if last.microsecond:
        last = last.replace(microsecond=0) + _ONE_SECOND
    if first >= last:
        raise ValueError(f"the period is empty: start {start} is not before end {end}")
    return first, last


def _windows(start: datetime, end: datetime, size: timedelta) -> list[tuple[datetime, datetime]]:
    windows = []
    while start < end:
        windows.append((start, min(start + size, end)))
        start += size
    return windows


def _halves(
    start: datetime, end: datetime
) -> tuple[tuple[datetime, datetime], tuple[datetime, datetime]] | None:
    seconds = int((end - start).total_seconds())
    if seconds < 2:
        return None
    middle = start + timedelta(seconds=seconds // 2)
    return (start, middle), (middle, end)


def _span_text(start: datetime, end: datetime) -> str:
    return f"{_iso(start)} to {_iso(end)}"


# --- merging ----------------------------------------------------------------


def _updated(record: ServiceRequest) -> datetime:
    text = record.get("updated_datetime") or ""
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        return datetime.min.replace(tzinfo=UTC)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


class _Merger:
    """Requests by id; of two copies the later updated one (on a tie, the later fetched)."""

    def __init__(self) -> None:
        self.by_id: dict[str, ServiceRequest] = {}
        self.unnamed: list[ServiceRequest] = []
        self.duplicates = 0

    def add(self, records: list[ServiceRequest]) -> None:
        for record in records:
            request_id = record.get("service_request_id")
            if request_id is None:
                self.unnamed.append(record)
                continue
            kept = self.by_id.get(request_id)
            if kept is not None:
                self.duplicates += 1
                if _updated(kept) > _updated(record):
                    continue
            self.by_id[request_id] = record

    def records(self) -> list[ServiceRequest]:
        return [*self.by_id.values(), *self.unnamed]


def _check_options(window_days: int, page_limit: int, retries: int) -> None:
    if not 1 <= window_days <= MAX_WINDOW_DAYS:
        raise ValueError(f"window_days must be 1 to {MAX_WINDOW_DAYS}, not {window_days}")
    if page_limit < 1:
        raise ValueError(f"page_limit must be at least 1, not {page_limit}")
    if retries < 0:
        raise ValueError(f"retries must be 0 or more, not {retries}")


@dataclass
class _Pager:
    """Walks the windows in time order, splitting full ones, merging what comes back."""

    client: GeoReportClient
    base: str
    fmt: Literal["json", "xml"]
    page_limit: int
    jurisdiction_id: str | None
    merger: _Merger
    windows: int = 0
    splits: int = 0

    def run(self, pending: list[tuple[datetime, datetime]], notes: list[str]) -> None:
        """Fetch every window of ``pending`` (used as a stack, earliest last)."""
        while pending:
            start, end = pending.pop()
            records = self._fetch(start, end)
            if len(records) < self.page_limit:
                self.merger.add(records)
                continue
            halves = _halves(start, end)
            if halves is None:
                notes.append(self._still_full(start, end, len(records)))
                self.merger.add(records)
                continue
            self.splits += 1
            self.client.tell(
                f"{_span_text(start, end)}: {len(records)} requests reach the server's "
                f"limit of {self.page_limit}; asking again in two halves"
            )
            pending += [halves[1], halves[0]]

    def _fetch(self, start: datetime, end: datetime) -> list[ServiceRequest]:
        self.client.tell(f"Fetching service requests {_span_text(start, end)}")
        url = _window_url(self.base, start, end, self.jurisdiction_id)
        records = decode_service_requests(self.client.get(url), self.fmt, redact_url(url))
        self.windows += 1
        return records

    def _still_full(self, start: datetime, end: datetime, count: int) -> str:
        note = (
            f"{_span_text(start, end)}: the server still returned its limit of {count} "
            "requests for this shortest window; requests of that moment may be missing"
        )
        self.client.tell(note)
        return note


def fetch_service_requests(
    endpoint: str,
    start: datetime,
    end: datetime,
    *,
    jurisdiction_id: str | None = None,
    fmt: Literal["json", "xml"] = "json",
    window_days: int = 90,
    page_limit: int = 1000,
    timeout: float = 30,
    retries: int = 4,
    backoff: float = 1.0,
    sleep: Callable[[float], None] = time.sleep,
    opener: Callable[..., Any] | None = None,
    progress: Callable[[str], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> FetchResult:
    """Every service request with a ``requested_datetime`` from ``start`` to ``end``.

    Parameters
    ----------
    endpoint : str
        The GeoReport v2 base URL (``https://host/open311/v2``) or its
        ``requests.json``/``requests.xml`` URL, with any ``api_key`` in its query.
    start, end : datetime
        The period, timezone-aware; widened to whole seconds.
    jurisdiction_id : str, optional
        Sent as ``jurisdiction_id`` when the endpoint serves several.
    fmt : {"json", "xml"}
        The response format to ask for.
    window_days : int
        The longest window asked for at once (1 to 90).
    page_limit : int
        The server's cap on requests per answer; a window answered with this
        many is split in two and asked again.
    timeout : float
        Seconds to wait for the server on each request.
    retries : int
        How many times a request is repeated after a timeout, a dropped
        connection, HTTP 429 or HTTP 5xx.
    backoff : float
        The first wait between retries, in seconds; it doubles each time.
    sleep : callable
        Waits that many seconds (injected by tests).
    opener : callable, optional
        ``opener(request, timeout=...)`` returning a response context manager
        with ``read`` and ``headers``, like :func:`urllib.request.urlopen`.
        The default follows redirects to http(s) addresses only.
    progress : callable, optional
        Given a sentence for each window, split and retry.
    cancelled : callable, optional
        Polled before each request; when it returns True the fetch stops and
        returns what it has with ``cancelled=True``.

    Returns
    -------
    FetchResult

    Raises
    ------
    DataSourceError
        The endpoint is not http(s), or an answer is not GeoReport JSON/XML.
    WebServiceError
        The server refused a request (4xx other than 429, or a GeoReport
        error document), or still failed after ``retries`` retries.
    ValueError
        Naive or reversed datetimes, or options out of range.
    """
    _check_options(window_days, page_limit, retries)
    first, last = _whole_seconds(start, end)
    base = requests_url(endpoint, fmt)
    client = GeoReportClient(
        opener=opener or default_opener(),
        fmt=fmt,
        timeout=timeout,
        retries=retries,
        backoff=backoff,
        sleep=sleep,
        tell=progress or (lambda _message: None),
        stop=cancelled or (lambda: False),
        secrets=secrets_in(base),
    )
    pager = _Pager(client, base, fmt, page_limit, jurisdiction_id, _Merger())
    pending = _windows(first, last, timedelta(days=window_days))[::-1]
    notes: list[str] = []
    stopped = False
    try:
        pager.run(pending, notes)
    except FetchCancelled:
        stopped = True
        notes.append(f"Cancelled after {pager.windows} windows: the requests are incomplete")
    if pager.merger.unnamed:
        notes.append(
            f"{len(pager.merger.unnamed)} requests have no service_request_id, "
            "so copies of them could not be merged"
        )
    return FetchResult(
        records=pager.merger.records(),
        windows=pager.windows,
        retries=client.retries_made,
        duplicates=pager.merger.duplicates,
        splits=pager.splits,
        notes=tuple(notes),
        cancelled=stopped,
    )
