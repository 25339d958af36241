"""HTTP for the Open311 pager: GETs with retries, backoff and ``Retry-After``, secrets kept out.

Qt-free; standard library only (:mod:`urllib.request`). Timeouts, dropped
connections and HTTP 5xx are retried with exponential backoff; HTTP 429 waits
as long as ``Retry-After`` says (up to :data:`MAX_RETRY_AFTER`). Other HTTP
errors fail at once, with the server's own error text when it sent one.
Every URL in a message has its secrets (``api_key`` and the like,
user:password) replaced by ``REDACTED``. The paging by date windows is in
:mod:`mapdesk.io.open311_fetch`.
"""

from __future__ import annotations

import http.client
import ssl
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import IO, Any, Literal

from mapdesk.core.errors import DataSourceError, WebServiceError
from mapdesk.io.georeport import service_error_text

#: The longest ``Retry-After`` honoured; a longer one fails with a clear message.
MAX_RETRY_AFTER = 300.0
#: The largest response body read (a full page of 4,000-character texts is ~5 MB).
MAX_BODY_BYTES = 256 * 1024 * 1024

#: The only URL schemes fetched or followed by a redirect.
SCHEMES = ("http", "https")
_SECRET_WORDS = ("key", "token", "secret", "password", "passwd", "auth", "signature")
_CHUNK = 1024 * 1024
_HINTS = {
    401: "the endpoint needs an API key, or the key is not valid",
    403: "the API key is missing, not valid, or not allowed to read requests",
    404: "check the endpoint address (it should end with the GeoReport v2 base path)",
}


class FetchCancelled(Exception):
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


def secrets_in(url: str) -> list[str]:
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
        if urllib.parse.urlsplit(newurl).scheme.lower() not in SCHEMES:
            raise urllib.error.HTTPError(
                newurl, code, "redirect to a non-HTTP address refused", headers, fp
            )
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def default_opener() -> Callable[..., Any]:
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
class GeoReportClient:
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
                raise FetchCancelled
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
