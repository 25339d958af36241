"""Filter expressions compiled to SQL: what compiles, what is refused, and how values travel.

No server needed: these check the SQL text and its parameters. That the SQL
selects what the in-memory evaluator selects is checked against a real server
in ``test_postgis_filter_differential``.
"""

from __future__ import annotations

from datetime import UTC

import pytest

from mapdesk.core.errors import ExpressionError
from mapdesk.io.postgis.catalog import Column
from mapdesk.io.postgis.where import ServerFilterError, compile_filter

FIELDS = [
    Column("units", "int4", "integer"),
    Column("assessed", "numeric", "numeric(12,2)"),
    Column("owner", "text", "text"),
    Column("acquired", "date", "date"),
    Column("inspected", "timestamptz", "timestamp with time zone"),
    Column("vacant", "bool", "boolean"),
    Column("code", "bpchar", "character(4)"),
    Column('odd "name"; DROP TABLE parcels; %s', "text", "text"),
]


def _sql(text: str) -> tuple[str, tuple[object, ...]]:
    compiled = compile_filter(text, FIELDS)
    return compiled.condition.as_string(None), compiled.params


@pytest.mark.parametrize(
    "value", ["'; DROP TABLE parcels; --", "$$ x $$", "\\' OR 1=1", "50%s off", "O''Brien"]
)
def test_values_travel_as_parameters_never_in_the_sql(value: str) -> None:
    written = "'" + value.replace("'", "''") + "'"
    text, params = _sql(f"owner = {written} OR owner LIKE {written}")
    assert params == (value, value)
    assert value not in text and "DROP" not in text
    assert text.count("%s") == 2


def test_field_names_are_quoted_identifiers_with_percent_doubled() -> None:
    text, params = _sql('"odd ""name""; DROP TABLE parcels; %s" = \'x\'')
    assert '"odd ""name""; DROP TABLE parcels; %%s"::text = %s::text' in text
    assert params == ("x",)


def test_numbers_divide_as_mapdesk_does() -> None:
    text, _ = _sql("units / 2 = 1.5")
    assert '"units"::int8::float8 / NULLIF(%s::int8::float8, 0)' in text
    text, _ = _sql("units % 2 = 1")
    assert 'mod("units"::int8, NULLIF(%s::int8, 0))' in text


def test_text_order_and_like_compare_code_points() -> None:
    assert 'COLLATE "C" <' in _sql("owner < 'b'")[0]
    assert 'COLLATE "C" LIKE' in _sql("owner LIKE 'b%'")[0]
    assert 'COLLATE "C"' not in _sql("owner = 'b'")[0]  # equality keeps the index


def test_dates_written_as_text_become_timestamps() -> None:
    from datetime import datetime

    _, params = _sql("acquired >= '2020-01-15'")
    assert params == (datetime(2020, 1, 15),)
    _, params = _sql("inspected < '2024-03-05 14:30'")  # read in UTC, as mapdesk reads it
    assert params == (datetime(2024, 3, 5, 14, 30, tzinfo=UTC),)


def test_case_folding_lists_the_fields_to_check_for_ascii() -> None:
    assert compile_filter("owner ILIKE '%bay%'", FIELDS).ascii_fields == ("owner",)
    assert compile_filter("upper(owner) = 'X'", FIELDS).ascii_fields == ("owner",)
    assert compile_filter("owner LIKE '%bay%'", FIELDS).ascii_fields == ()


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("$area > 100", "measured by mapdesk"),
        ("round(assessed) = 2", "round()"),
        ("age_days(acquired) > 30", "age_days()"),
        ("now() > acquired", "now()"),
        ("to_datetime(owner) > '2020-01-01'", "to_datetime()"),
        ("year(owner) = 2020", "of text"),
        ("assessed % 2 = 1", "PostgreSQL has no float remainder"),
        ("owner || units = 'x1'", "joining a number"),
        ("units LIKE '1%'", "LIKE on a number"),
        ("owner ILIKE '%straße%'", "beyond ASCII"),
        ("owner LIKE 'x\\'", "lone backslash"),
        ("owner = upper('straße')", "fold differently"),
        ("substr(owner, 0) = 'ab'", "from the end"),
        ("substr(owner, -2) = 'ab'", "written whole number"),
        ("substr(owner, units) = 'ab'", "written whole number"),
        ("code = 'AB'", "char(n)"),
        ("units = 99999999999999999999", "beyond 64-bit"),
    ],
)
def test_what_sql_cannot_do_exactly_is_refused(text: str, reason: str) -> None:
    with pytest.raises(ServerFilterError, match="cannot be run on the server") as caught:
        compile_filter(text, FIELDS)
    assert reason in caught.value.reason


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("owner = 3", "Cannot compare text with number"),
        ("units + 1", "A filter must be a condition"),
        ("nobody = 1", 'Unknown field "nobody"'),
        ("vacant AND units", "AND needs a boolean value"),
        ("acquired = inspected", "with and without a time zone"),
        ("acquired > 'soon'", "is not a date"),
        ("upper(units) = 'X'", r"upper\(\) needs text"),
    ],
)
def test_mistakes_are_the_evaluators_errors(text: str, problem: str) -> None:
    with pytest.raises(ExpressionError, match=problem):
        compile_filter(text, FIELDS)


def test_null_is_sql_null() -> None:
    assert _sql("NULL")[0] == "FALSE"
    text, params = _sql("units = NULL OR owner IS NULL")
    assert "NULL::boolean" in text and params == ()
