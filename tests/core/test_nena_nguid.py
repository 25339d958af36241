"""NGUIDs: what mapdesk makes it accepts, what it accepts it can take apart, the rest it names."""

from __future__ import annotations

import string

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mapdesk.core.analysis.nena import load_schema, make_nguid, nguid_problem, parse_nguid

INDICATORS = sorted(set(load_schema().layer_indicators.values()))
LABEL = st.from_regex(r"[a-z0-9]([a-z0-9-]{0,10}[a-z0-9])?", fullmatch=True)
TOP = st.from_regex(r"[a-z]{2,6}", fullmatch=True)
AGENCY = st.builds(
    lambda labels, top: ".".join([*labels, top]), st.lists(LABEL, min_size=1, max_size=3), TOP
)
LOCAL_ID = st.text(
    alphabet=st.characters(
        blacklist_categories=("Cc", "Cs", "Zs", "Zl", "Zp"), blacklist_characters=":"
    ),
    min_size=1,
    max_size=40,
).filter(lambda s: not any(c.isspace() for c in s))


@given(st.sampled_from(INDICATORS), LOCAL_ID, AGENCY)
def test_a_made_nguid_parses_back_into_its_parts(indicator: str, local: str, agency: str) -> None:
    nguid = make_nguid(indicator, local, agency)
    assert nguid == f"urn:emergency:uid:gis:{indicator}:{local}:{agency}"
    parsed = parse_nguid(nguid)
    assert parsed is not None
    assert (parsed.indicator, parsed.local_id, parsed.agency) == (indicator, local, agency)
    assert nguid_problem(nguid, indicator) is None


@given(st.sampled_from(INDICATORS), st.sampled_from(INDICATORS), LOCAL_ID, AGENCY)
def test_another_layers_indicator_is_named(mine: str, theirs: str, local: str, agency: str) -> None:
    nguid = make_nguid(theirs, local, agency)
    problem = nguid_problem(nguid, mine)
    if mine == theirs:
        assert problem is None
    else:
        assert problem == (
            f"NGUID {nguid!r} names layer indicator {theirs!r}; this layer's is {mine!r}"
        )


@given(st.text(max_size=80))
def test_any_text_is_either_well_formed_or_has_a_problem_quoting_it(text: str) -> None:
    problem = nguid_problem(text, "RCL")
    parsed = parse_nguid(text)
    if parsed is not None and parsed.indicator == "RCL":
        assert problem is None
        assert str(parsed) == text
    else:
        assert problem is not None and repr(text) in problem


@given(LOCAL_ID, AGENCY, st.sampled_from([":", " ", "\t"]))
def test_a_separator_in_the_local_id_is_refused(local: str, agency: str, bad: str) -> None:
    with pytest.raises(ValueError, match="local id"):
        make_nguid("SSAP", local + bad + "x", agency)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        (
            "RCL1234@portlandmaine.gov",
            "is a v2 NGUID (id@agency); v3 writes urn:emergency:uid:gis:RCL:",
        ),
        (
            "URN:EMERGENCY:UID:GIS:RCL:1:portlandmaine.gov",
            "must start with 'urn:emergency:uid:gis:' in lower case",
        ),
        ("urn:emergency:uid:gis:RCL:1:localhost", "is not of the form"),
        ("urn:emergency:uid:gis:RCL::portlandmaine.gov", "is not of the form"),
        ("urn:emergency:uid:gis:RCL:1 2:portlandmaine.gov", "is not of the form"),
        ("1234", "is not of the form urn:emergency:uid:gis:RCL:{LocalID}:{AgencyFQDN}"),
    ],
)
def test_common_mistakes_get_a_message_that_says_what_is_wrong(text: str, problem: str) -> None:
    message = nguid_problem(text, "RCL")
    assert message is not None and problem in message


def test_bad_parts_are_refused_when_making_one() -> None:
    with pytest.raises(ValueError, match="agency"):
        make_nguid("RCL", 1, "not a domain")
    with pytest.raises(ValueError, match="layer indicator"):
        make_nguid("R C L", 1, "example.gov")
    assert (
        make_nguid("Psap", 7, "psap.example.gov") == "urn:emergency:uid:gis:Psap:7:psap.example.gov"
    )


def test_letters_digits_and_hyphens_make_an_agency() -> None:
    allowed = set(string.ascii_letters + string.digits + "-.")
    nguid = make_nguid("SSAP", "A-1", "e911.cumberland-county.me.us")
    assert set(nguid.rsplit(":", 1)[1]) <= allowed
