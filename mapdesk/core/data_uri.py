"""Layer sources that are addresses (``postgresql://...``) rather than files.

A project stores each layer's source. A file is stored relative to the project
file; an address is stored as it is, except that a password in it is never
written: core removes it here too, whatever the reader recorded, so a secret
cannot reach a project file by way of a layer's origin.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit, urlunsplit

_URI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")


def is_uri(text: str) -> bool:
    """True when ``text`` is an address (``scheme://...``), not a file path.

    Examples
    --------
    >>> is_uri("postgresql://editor@gis.portland.local/city?table=public.parcels")
    True
    >>> is_uri("/data/parcels.gpkg")
    False
    """
    return bool(_URI.match(text.strip()))


def without_password(uri: str) -> str:
    """``uri`` with any password in its user part removed (``user:secret@`` -> ``user@``).

    Examples
    --------
    >>> without_password("postgresql://editor:s3cret@gis:5432/city?table=a.b")
    'postgresql://editor@gis:5432/city?table=a.b'
    """
    parts = urlsplit(uri)
    if "@" not in parts.netloc:
        return uri
    user_part, _, host_part = parts.netloc.rpartition("@")
    user = user_part.split(":", 1)[0]
    netloc = f"{user}@{host_part}" if user else host_part
    return urlunsplit(parts._replace(netloc=netloc))
