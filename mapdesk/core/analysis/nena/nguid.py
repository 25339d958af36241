"""NENA Globally Unique IDs: ``urn:emergency:uid:gis:{LayerIndicator}:{LocalID}:{AgencyFQDN}``.

An NGUID names its layer (``RCL``, ``SSAP``, ``Psap``, ``Pol``...: NENA's
"GIS Data Layers" registry), an id unique within the agency, and the agency's
domain name. The ECRF coalesces data from many agencies, so a malformed or
duplicated NGUID breaks more than the file it is in.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

#: Every v3 NGUID starts so (NENA-STA-006.3 section 3.6).
NGUID_PREFIX = "urn:emergency:uid:gis:"

_INDICATOR = r"[A-Za-z][A-Za-z0-9]*"
#: An id within the agency: anything without the separator, spaces or controls.
_LOCAL_ID = r"[^:\s\x00-\x1f\x7f]+"
#: A DNS name of two or more labels (RFC 1035 labels, the last not all digits).
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_AGENCY = rf"(?:{_LABEL}\.)+[A-Za-z](?:[A-Za-z0-9-]{{0,61}}[A-Za-z0-9])?"
NGUID_PATTERN = re.compile(
    rf"urn:emergency:uid:gis:(?P<indicator>{_INDICATOR}):(?P<local_id>{_LOCAL_ID})"
    rf":(?P<agency>{_AGENCY})"
)
#: A v2 NGUID (``RCL1234@example.gov``), still found in older data.
_V2_NGUID = re.compile(rf"{_INDICATOR}[^@\s]*@{_AGENCY}")
_AGENCY_ONLY = re.compile(_AGENCY)
_LOCAL_ID_ONLY = re.compile(_LOCAL_ID)
_INDICATOR_ONLY = re.compile(_INDICATOR)


@dataclass(frozen=True)
class Nguid:
    """The three parts of a well-formed NGUID."""

    indicator: str
    local_id: str
    agency: str

    def __str__(self) -> str:
        return f"{NGUID_PREFIX}{self.indicator}:{self.local_id}:{self.agency}"


def parse_nguid(text: str) -> Nguid | None:
    """The parts of ``text`` when it is a well-formed v3 NGUID, else None."""
    found = NGUID_PATTERN.fullmatch(text)
    if found is None or len(found.group("agency")) > 253:
        return None
    return Nguid(found.group("indicator"), found.group("local_id"), found.group("agency"))


def make_nguid(indicator: str, local_id: object, agency: str) -> str:
    """The NGUID of feature ``local_id`` of ``agency`` in the layer with ``indicator``.

    Raises
    ------
    ValueError
        When a part cannot go into an NGUID (a ``:`` or space in the id, an
        agency that is not a domain name...), naming the part.
    """
    local = str(local_id)
    if not _INDICATOR_ONLY.fullmatch(indicator):
        raise ValueError(f"layer indicator {indicator!r} must be letters and digits")
    if not _LOCAL_ID_ONLY.fullmatch(local):
        raise ValueError(f"local id {local!r} must be non-empty, without ':' or spaces")
    problem = agency_problem(agency)
    if problem is not None:
        raise ValueError(problem)
    return str(Nguid(indicator, local, agency))


def agency_problem(agency: str) -> str | None:
    """Why ``agency`` cannot be a DiscrpAgID or an NGUID's agency; None when it can.

    NENA identifies an agency by a domain name it controls (``psap.example.gov``).
    """
    if not _AGENCY_ONLY.fullmatch(agency) or len(agency) > 253:
        return f"agency {agency!r} must be a domain name such as psap.example.gov"
    return None


def nguid_problem(text: str, indicator: str | None) -> str | None:
    """What is wrong with NGUID ``text`` in a layer whose indicator is ``indicator``.

    None when it is well formed (and names ``indicator``, when one is given);
    else a sentence for the report that quotes the value.
    """
    parsed = parse_nguid(text)
    if parsed is not None:
        if indicator is None or parsed.indicator == indicator:
            return None
        return (
            f"NGUID {text!r} names layer indicator {parsed.indicator!r}; "
            f"this layer's is {indicator!r}"
        )
    shape = f"urn:emergency:uid:gis:{indicator or '{Layer}'}:{{LocalID}}:{{AgencyFQDN}}"
    if _V2_NGUID.fullmatch(text):
        return f"NGUID {text!r} is a v2 NGUID (id@agency); v3 writes {shape}"
    if text.lower().startswith(NGUID_PREFIX) and not text.startswith(NGUID_PREFIX):
        return f"NGUID {text!r} must start with {NGUID_PREFIX!r} in lower case"
    return f"NGUID {text!r} is not of the form {shape}"
