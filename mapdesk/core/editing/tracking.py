"""Editor tracking: who changed a feature and when, filled in on every edit.

The field names are those of ArcGIS editor tracking (``created_user``,
``last_edited_date``...), the common ``last_edited_by/at``, and NENA's
``DateUpdate`` and ``DiscrpAgID`` (the editing agency's domain name). Only
fields the layer has are filled; names match without regard to case.
"""

from __future__ import annotations

import getpass
import os
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import pandas as pd

#: The agency NENA's DiscrpAgID names when nobody set one (the city's domain).
DEFAULT_AGENCY = "portlandmaine.gov"

_EDITED_BY = ("last_edited_by", "last_edited_user", "last_editor")
_EDITED_AT = ("last_edited_at", "last_edited_date", "dateupdate")
_CREATED_BY = ("created_by", "created_user", "creator")
_CREATED_AT = ("created_at", "created_date")
_AGENCY = ("discrpagid",)


@dataclass(frozen=True)
class EditorIdentity:
    """Who is editing: a user name and the agency's domain (for NENA DiscrpAgID)."""

    user: str
    agency: str = DEFAULT_AGENCY

    @classmethod
    def from_environment(cls) -> EditorIdentity:
        """The logged-in user; the agency from ``MAPDESK_AGENCY`` when set."""
        try:
            user = getpass.getuser()
        except (KeyError, OSError):  # no passwd entry (some containers)
            user = "unknown"
        return cls(user=user, agency=os.environ.get("MAPDESK_AGENCY", DEFAULT_AGENCY))


def tracked_values(
    fields: Iterable[str],
    identity: EditorIdentity,
    *,
    created: bool,
    now: pd.Timestamp | None = None,
) -> dict[str, Any]:
    """The tracking fields among ``fields`` with the values an edit gives them now.

    ``created`` adds the created-by/at fields (a new feature).
    """
    stamp = now if now is not None else pd.Timestamp.now(tz="UTC").floor("ms")
    wanted: dict[tuple[str, ...], Any] = {
        _EDITED_BY: identity.user,
        _EDITED_AT: stamp,
        _AGENCY: identity.agency,
    }
    if created:
        wanted |= {_CREATED_BY: identity.user, _CREATED_AT: stamp}
    values = {}
    for name in fields:
        for names, value in wanted.items():
            if name.lower() in names and value:
                values[name] = value
    return values
