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

Timeouts, dropped connections and HTTP 5xx are retried with exponential
backoff; HTTP 429 waits as long as ``Retry-After`` says. Other HTTP errors
fail at once. Every URL in a message has its secrets (``api_key`` and the
like, user:password) replaced by ``REDACTED``.
"""

from __future__ import annotations

import http.client
import ssl
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import IO, Any, Literal

from mapdesk.core.errors import DataSourceError, WebServiceError
from mapdesk.io.georeport import ServiceRequest, decode_service_requests, service_error_text

#: The longest window a GeoReport server is expected to answer.
MAX_WINDOW_DAYS = 90
#: The longest ``Retry-After`` honoured; a longer one fails with a clear message.
MAX_RETRY_AFTER = 300.0
#: The largest response body read (a full page of 4,000-character texts is ~5 MB).
MAX_BODY_BYTES = 256 * 1024 * 1024

_SCHEMES = ("http", "https")
_SECRET_WORDS = ("key", "token", "secret", "password", "passwd", "auth", "signature")
_ONE_SECOND = timedelta(seconds=1)
_CHUNK = 1024 * 1024
_HINTS = {
    401: "the endpoint needs an API key, or the key is not valid",
    403: "the API key is missing, not valid, or not allowed to read requests",
    404: "check the endpoint address (it should end with the GeoReport v2 base path)",
}


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


class _Cancelled(Exception):
    """The user cancelled the fetch."""


class _Transient(Exception):
    """A failure worth retrying: what it was, and how long the server asked to wait."""

    def __init__(self, reason: str, status: int | None = None, delay: float | None = None):
        super().__init__(reason)
        self.reason = reason
        self.status = status
        self.delay = delay


# --- URLs and secrets -------------------------------------------------------


def _is_secret(name: str) -> bool:
    lower = name.lower()
    return any(word in lower for word in _SECRET_WORDS)


def _secrets(url: str) -> list[str]:
    parts = urllib.parse.urlsplit(url)
    query = urllib.parse.parse_qsl(parts.query, keep_blank_values=True)
    values = [value for name, value in query if _is_secret(name)]
    if parts.password:
        values.append(parts.password)
    return [value for value in values if value]


def redact_url(url: str) -> str:
    """``url`` with secret query values and any user:password replaced by ``REDACTED``."""
    parts = urllib.parse.urlsplit(url)
    query = urllib.parse.parse_qsl(parts.query, keep_blank_values=True)
    shown = [(name, "REDACTED" if _is_secret(name) else value) for name, value in query]
    netloc = parts.netloc.rpartition("@")[2]
    if "@" in parts.netloc:
        netloc = "REDACTED@" + netloc
    return urllib.parse.urlunsplit(
        parts._replace(netloc=netloc, query=urllib.parse.urlencode(shown, safe=":"))
    )


def _scrub(text: str, secrets: list[str]) -> str:
    for secret in secrets:
        text = text.replace(secret, "REDACTED")
    return text


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
    if parts.scheme.lower() not in _SCHEMES or not parts.hostname:
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


# --- HTTP -------------------------------------------------------------------


class _HttpOnlyRedirects(urllib.request.HTTPRedirectHandler):
    """Follows redirects to http(s) addresses only (never ftp: or file:)."""

    def redirect_request(
        self,
        req: urllib.request.Request,
        fp: IO[bytes],
        code: int,
        msg: str,
        headers: http.client.HTTPMessage,
        newurl: str,
    ) -> urllib.request.Request | None:
        if urllib.parse.urlsplit(newurl).scheme.lower() not in _SCHEMES:
            raise urllib.error.HTTPError(
                newurl, code, "redirect to a non-HTTP address refused", headers, fp
            )
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def _default_opener() -> Callable[..., Any]:
    return urllib.request.build_opener(_HttpOnlyRedirects()).open


def retry_after_seconds(value: str | None) -> float | None:
    """The wait a ``Retry-After`` header asks for (seconds or an HTTP-date), None if unreadable."""
    text = (value or "").strip()
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def _read_body(response: Any, shown_url: str) -> bytes:
    chunks, size = [], 0
    while chunk := response.read(_CHUNK):
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise DataSourceError(
                f"{shown_url}: the answer is larger than {MAX_BODY_BYTES // 2**20} MB; "
                "ask for a shorter period"
            )
        chunks.append(chunk)
    body = b"".join(chunks)
    # HTTPResponse.read(amt) returns a short body silently when the server
    # hangs up early; the Content-Length tells.
    expected = (response.headers.get("Content-Length") or "").strip()
    if expected.isdigit() and int(expected) != len(body):
        raise http.client.IncompleteRead(body, int(expected) - len(body))
    return body


def _connection_problem(error: BaseException) -> str:
    if isinstance(error, TimeoutError):
        return "the server did not answer in time"
    if isinstance(error, http.client.IncompleteRead):
        return "the connection dropped in the middle of the answer"
    if isinstance(error, http.client.RemoteDisconnected | ConnectionError):
        return "the server closed the connection"
    return f"the connection failed ({type(error).__name__}: {error})"


@dataclass
class _Client:
    """GETs GeoReport URLs with retries, counting them and telling progress."""

    opener: Callable[..., Any]
    fmt: Literal["json", "xml"]
    timeout: float
    retries: int
    backoff: float
    sleep: Callable[[float], None]
    tell: Callable[[str], None]
    stop: Callable[[], bool]
    secrets: list[str]
    retries_made: int = 0

    def get(self, url: str) -> bytes:
        """The body of ``url``, retrying transient failures ``retries`` times."""
        shown = redact_url(url)
        for attempt in range(self.retries + 1):
            if self.stop():
                raise _Cancelled
            try:
                return self._get_once(url, shown)
            except _Transient as problem:
                if attempt == self.retries:
                    raise self._gave_up(shown, problem) from problem
                self._wait(problem, attempt)
        raise AssertionError("unreachable: the loop returns or raises")

    def _wait(self, problem: _Transient, attempt: int) -> None:
        delay = problem.delay if problem.delay is not None else self.backoff * 2**attempt
        self.tell(f"{self._scrub(problem.reason)}; retrying in {delay:g} s")
        self.retries_made += 1
        self.sleep(delay)

    def _gave_up(self, shown: str, problem: _Transient) -> WebServiceError:
        return WebServiceError(
            f"{shown}: gave up after {self.retries + 1} attempts: {self._scrub(problem.reason)}",
            problem.status,
        )

    def _scrub(self, text: str) -> str:
        return _scrub(text, self.secrets)

    def _get_once(self, url: str, shown: str) -> bytes:
        accept = "application/json" if self.fmt == "json" else "application/xml, text/xml"
        headers = {"Accept": accept, "User-Agent": "mapdesk (Open311 GeoReport v2 client)"}
        request = urllib.request.Request(url, headers=headers)
        try:
            with self.opener(request, timeout=self.timeout) as response:
                return _read_body(response, shown)
        except urllib.error.HTTPError as error:
            with error:
                raise self._http_failure(error, shown) from error
        except urllib.error.URLError as error:
            if isinstance(error.reason, OSError) and not isinstance(
                error.reason, ssl.CertificateError
            ):
                raise _Transient(_connection_problem(error.reason)) from error
            reason = self._scrub(str(error.reason))
            raise WebServiceError(f"{shown}: cannot connect: {reason}") from error
        except (http.client.HTTPException, OSError) as error:
            raise _Transient(_connection_problem(error)) from error

    def _http_failure(self, error: urllib.error.HTTPError, shown: str) -> Exception:
        status = error.code
        label = f"HTTP {status} {error.reason}".strip()
        wait = retry_after_seconds(error.headers.get("Retry-After")) if error.headers else None
        if status == 429 or (status >= 500 and wait is not None):
            return self._busy(shown, label, status, wait)
        if status >= 500:
            return _Transient(f"the server failed ({label})", status)
        return WebServiceError(self._refusal(error, shown, label), status)

    def _busy(self, shown: str, label: str, status: int, wait: float | None) -> Exception:
        if wait is not None and wait > MAX_RETRY_AFTER:
            return WebServiceError(
                f"{shown}: the server is busy ({label}) and asks to wait {wait:.0f} s; "
                "try again later",
                status,
            )
        return _Transient(f"the server is busy ({label})", status, wait)

    def _refusal(self, error: urllib.error.HTTPError, shown: str, label: str) -> str:
        try:
            said = service_error_text(error.read(64 * 1024), self.fmt)
        except (OSError, http.client.HTTPException):
            said = None
        message = f"{shown}: the server refused the request ({label})"
        if error.code in _HINTS:
            message += f": {_HINTS[error.code]}"
        if said:
            message += f". The server says: {self._scrub(said)}"
        return message


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

    client: _Client
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
    client = _Client(
        opener=opener or _default_opener(),
        fmt=fmt,
        timeout=timeout,
        retries=retries,
        backoff=backoff,
        sleep=sleep,
        tell=progress or (lambda _message: None),
        stop=cancelled or (lambda: False),
        secrets=_secrets(base),
    )
    pager = _Pager(client, base, fmt, page_limit, jurisdiction_id, _Merger())
    pending = _windows(first, last, timedelta(days=window_days))[::-1]
    notes: list[str] = []
    stopped = False
    try:
        pager.run(pending, notes)
    except _Cancelled:
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
