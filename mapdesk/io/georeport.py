"""Decoding Open311 GeoReport v2 service-request responses into plain records.

Qt-free and GeoDataFrame-free: :func:`decode_service_requests` gives one
``dict`` per request whose every value is a ``str`` or ``None``; turning them
into features (lat/long may be missing) is the caller's job.

Choices, because GeoReport responses come from outside and their free text is
written by the public:

- Every value stays text. IDs and codes such as ``006`` must keep their
  leading zeros, so JSON numbers are kept as the text written in the
  document (``1.50`` stays ``"1.50"``), ``true``/``false`` become
  ``"true"``/``"false"`` and ``null`` becomes ``None``.
- JSON forbids numbers with leading zeros, yet the GeoReport specification's
  own examples write ``"service_code": 006``. Such a document is accepted and
  the number kept as the text ``"006"``; every other JSON error is reported.
- An empty value and a missing one are the same thing in GeoReport XML
  (``<lat/>``), so an empty string becomes ``None`` in both formats, and the
  standard fields (:data:`REQUEST_FIELDS`) are always present, ``None`` when
  absent. Extra fields a server adds are kept too.
- Free text (HTML, script, control characters, very long strings) is kept
  verbatim: it is escaped where it is shown, never here. XML 1.0 itself cannot
  carry most control characters, so such an XML document is malformed, and an
  XML parser turns CR LF line ends into LF.
- XML is parsed with :mod:`defusedxml`: entity declarations (the "billion
  laughs" bomb) and external entities are refused, as a GeoReport response
  never needs them.
"""

from __future__ import annotations

import json
import re
from typing import Any, Literal
from xml.etree.ElementTree import Element, ParseError, tostring

from defusedxml import DefusedXmlException, EntitiesForbidden, ExternalReferenceForbidden
from defusedxml.ElementTree import fromstring

from mapdesk.core.errors import DataSourceError, UnsafeFileError, WebServiceError

ServiceRequest = dict[str, str | None]

#: The GeoReport v2 request fields, in the specification's order.
REQUEST_FIELDS = (
    "service_request_id",
    "status",
    "status_notes",
    "service_name",
    "service_code",
    "description",
    "agency_responsible",
    "service_notice",
    "requested_datetime",
    "updated_datetime",
    "expected_datetime",
    "address",
    "address_id",
    "zipcode",
    "lat",
    "long",
    "media_url",
)

#: The longest piece of a server's own error text put in a message.
_MESSAGE_TEXT_LIMIT = 300

# A JSON string (kept as it is) or a number with a leading zero in a value
# position (quoted, so that "006" survives): strings are matched first, so
# digits inside them are never touched.
_STRING_OR_ZERO_NUMBER = re.compile(
    r'"[^"\\]*(?:\\.[^"\\]*)*"'
    r"|(?<=[:,\[])(\s*)(-?0[0-9]+(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?)(?=\s*[,\]}])"
)


class _JsonNumber(str):
    """A JSON number kept as the text it was written as."""


class _ServiceErrors(Exception):
    """The document is a GeoReport error response: its (code, description) pairs."""

    def __init__(self, errors: list[tuple[str, str]]) -> None:
        super().__init__(errors)
        self.errors = errors


def decode_service_requests(
    data: bytes, fmt: Literal["json", "xml"], source: str
) -> list[ServiceRequest]:
    """Turn a GeoReport v2 ``requests.json`` or ``requests.xml`` response into records.

    Parameters
    ----------
    data : bytes
        The response body or file content.
    fmt : {"json", "xml"}
        Its format.
    source : str
        The file name or URL (with any secret already removed) to name in errors.

    Returns
    -------
    list of dict
        One dict per request, in document order. Every value is a ``str`` or
        ``None``; every field of :data:`REQUEST_FIELDS` is present.

    Raises
    ------
    WebServiceError
        The document is a GeoReport error response (``<errors>``, or a JSON
        list of ``code``/``description`` objects).
    DataSourceError
        The document is not valid JSON/XML, is not a list of requests, or the
        XML declares entities or external references.
    """
    try:
        return _decode(data, fmt, source)
    except _ServiceErrors as errors:
        listing, status = _error_listing(errors.errors)
        raise WebServiceError(
            f"{source}: the GeoReport service answered with an error: {listing}", status
        ) from None


def service_error_text(data: bytes, fmt: Literal["json", "xml"]) -> str | None:
    """The ``code: description`` text of a GeoReport error document, or None if it is not one.

    Used to explain an HTTP error whose body may be a GeoReport error
    document; anything unreadable gives None rather than an exception.
    """
    try:
        _decode(data, fmt, "")
    except _ServiceErrors as errors:
        return _error_listing(errors.errors)[0]
    except DataSourceError:
        return None
    return None


def _decode(data: bytes, fmt: Literal["json", "xml"], source: str) -> list[ServiceRequest]:
    if fmt == "json":
        return _from_json(data, source)
    if fmt == "xml":
        return _from_xml(data, source)
    raise ValueError(f"unknown GeoReport format {fmt!r}: use 'json' or 'xml'")


def _short(text: str) -> str:
    flat = " ".join(text.split())
    if len(flat) <= _MESSAGE_TEXT_LIMIT:
        return flat
    return flat[: _MESSAGE_TEXT_LIMIT - 3] + "..."


def _record(fields: dict[str, str | None]) -> ServiceRequest:
    record: ServiceRequest = dict.fromkeys(REQUEST_FIELDS)
    for name, value in fields.items():
        record[name] = value if value != "" else None
    return record


def _error_listing(errors: list[tuple[str, str]]) -> tuple[str, int | None]:
    """The errors as one line of text, and the first code when it is a number."""
    listing = "; ".join(_short(f"{code} {text}".strip()) for code, text in errors)
    first = errors[0][0].strip() if errors else ""
    status = int(first) if first.isdigit() and len(first) <= 4 else None
    return listing or "(no description)", status


# --- JSON -------------------------------------------------------------------


def _json_text(data: bytes, source: str) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DataSourceError(
            f"{source}: this GeoReport JSON is not UTF-8 text (bad byte at offset {exc.start})"
        ) from exc


def _load_json(text: str) -> Any:
    return json.loads(text, parse_int=_JsonNumber, parse_float=_JsonNumber, strict=False)


def _quote_zero_numbers(text: str) -> str:
    def quote(match: re.Match[str]) -> str:
        if match.group(2) is None:
            return match.group(0)
        return f'{match.group(1)}"{match.group(2)}"'

    return _STRING_OR_ZERO_NUMBER.sub(quote, text)


def _parse_json(data: bytes, source: str) -> Any:
    text = _json_text(data, source)
    try:
        return _load_json(text)
    except json.JSONDecodeError as first:
        try:
            # The specification's own examples write codes as 006.
            return _load_json(_quote_zero_numbers(text))
        except json.JSONDecodeError:
            raise DataSourceError(
                f"{source}: this is not valid GeoReport JSON: {first.msg} "
                f"(line {first.lineno}, column {first.colno})"
            ) from first


def _json_value_text(value: Any) -> str:
    """Nested JSON (not part of GeoReport v2) written back as compact JSON text."""
    if isinstance(value, dict):
        items = ",".join(f"{json.dumps(k)}:{_json_value_text(v)}" for k, v in value.items())
        return "{" + items + "}"
    if isinstance(value, list):
        return "[" + ",".join(_json_value_text(v) for v in value) + "]"
    if isinstance(value, str) and not isinstance(value, _JsonNumber):
        return json.dumps(value, ensure_ascii=False)
    return _json_field(value) or "null"


def _json_field(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return _json_value_text(value)
    return str(value)


def _json_kind(value: Any) -> str:
    kinds = [(dict, "an object"), (list, "a list"), (bool, "true/false"), (_JsonNumber, "a number")]
    for kind, name in kinds:
        if isinstance(value, kind):
            return name
    return "null" if value is None else "a string"


def _is_error_list(items: list[Any]) -> bool:
    return bool(items) and all(
        isinstance(item, dict) and set(item) == {"code", "description"} for item in items
    )


def _from_json(data: bytes, source: str) -> list[ServiceRequest]:
    document = _parse_json(data, source)
    if isinstance(document, dict) and isinstance(document.get("service_requests"), list):
        document = document["service_requests"]
    if not isinstance(document, list):
        raise DataSourceError(
            f"{source}: this GeoReport JSON is not a list of service requests "
            f"(its top level is {_json_kind(document)})"
        )
    if _is_error_list(document):
        raise _ServiceErrors([(str(e["code"]), str(e["description"])) for e in document])
    return [_json_request(item, index, source) for index, item in enumerate(document, start=1)]


def _json_request(item: Any, index: int, source: str) -> ServiceRequest:
    if not isinstance(item, dict):
        raise DataSourceError(
            f"{source}: service request {index} is not a JSON object (it is {_json_kind(item)})"
        )
    return _record({str(name): _json_field(value) for name, value in item.items()})


# --- XML --------------------------------------------------------------------


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _external(source: str, target: str | None) -> UnsafeFileError:
    return UnsafeFileError(
        f"{source}: refused: this XML refers to an external entity or file ({target!r}), "
        "which a GeoReport response never needs; it could be an attempt to read local files"
    )


def _parse_xml(data: bytes, source: str) -> Element:
    try:
        root: Element = fromstring(data, forbid_dtd=False)
    except EntitiesForbidden as exc:
        if exc.sysid or exc.pubid:
            raise _external(source, exc.sysid or exc.pubid) from exc
        raise UnsafeFileError(
            f"{source}: refused: this XML declares entities ({exc.name!r}), which a GeoReport "
            "response never needs; it could be an entity-expansion attack (billion laughs)"
        ) from exc
    except ExternalReferenceForbidden as exc:
        raise _external(source, exc.sysid) from exc
    except DefusedXmlException as exc:
        raise UnsafeFileError(f"{source}: refused: unsafe XML ({exc})") from exc
    except ParseError as exc:
        raise DataSourceError(f"{source}: this is not well-formed GeoReport XML: {exc}") from exc
    return root


def _xml_text(element: Element) -> str | None:
    if len(element) == 0:
        return element.text
    # Nested elements (not part of GeoReport v2) are kept as their XML text.
    inner = "".join(tostring(child, encoding="unicode") for child in element)
    return (element.text or "") + inner


def _xml_request(element: Element, index: int, source: str) -> ServiceRequest:
    if _local(element.tag) != "request":
        raise DataSourceError(
            f"{source}: element {index} of <service_requests> is "
            f"<{_local(element.tag)}>, not <request>"
        )
    return _record({_local(child.tag): _xml_text(child) for child in element})


def _xml_errors(root: Element) -> list[tuple[str, str]]:
    errors = []
    for error in root:
        fields = {_local(child.tag): _xml_text(child) or "" for child in error}
        errors.append((fields.get("code", ""), fields.get("description", "")))
    return errors


def _from_xml(data: bytes, source: str) -> list[ServiceRequest]:
    root = _parse_xml(data, source)
    name = _local(root.tag)
    if name == "errors":
        raise _ServiceErrors(_xml_errors(root))
    if name != "service_requests":
        raise DataSourceError(
            f"{source}: this XML is not a GeoReport service request list "
            f"(its root element is <{name}>, not <service_requests>)"
        )
    return [_xml_request(child, index, source) for index, child in enumerate(root, start=1)]
