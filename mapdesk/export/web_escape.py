"""Turning data values into text a web map can show without running any of it.

Popup and tooltip values and field names travel as JSON data
(:func:`script_json`, ``web_columns``) and the page shows them with
``textContent``. Texts that reach HTML (layer names in the layer control,
legend labels, the title) pass through :func:`escape_text`. Besides HTML's
five special characters it replaces the characters a JavaScript template
literal or a Jinja/JS template could act on (backtick, ``$``, ``{``, ``}``,
backslash) with character references, so an escaped value holds no ``<`` at
all: it cannot close a ``<script>`` element or open one (and so can never
carry the page's script nonce).

Only ``http://`` and ``https://`` addresses become links (:func:`is_web_link`,
checked again in the browser); ``javascript:``, ``data:``, ``vbscript:`` and
anything else are shown as text.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import math
import re
from typing import Any

from mapdesk.export.formats import ExportError

#: Characters html.escape leaves alone but a template literal, a Jinja
#: template or a JS string would act on; control characters read as one box.
_EXTRA = str.maketrans(
    {
        "`": "&#96;",
        "$": "&#36;",
        "{": "&#123;",
        "}": "&#125;",
        "\\": "&#92;",
        **{chr(c): "\ufffd" for c in range(32) if chr(c) not in "\t\n\r"},
        "\x7f": "\ufffd",
    }
)
#: A whole value that is one web address (ASCII, no quotes, spaces or brackets).
_WEB_LINK = re.compile(
    r"https?://[A-Za-z0-9.-]+(?::[0-9]{1,5})?(?:[/?#][A-Za-z0-9\-._~:/?#\[\]@!&()*+,;=%]*)?",
    re.IGNORECASE | re.ASCII,
)
_JINJA = re.compile(r"\{[{%#]")
#: How much of a long text a popup shows.
DEFAULT_TEXT_CHARS = 2000


def escape_text(value: object) -> str:
    """``value`` as HTML text: shown literally, never parsed as markup or code.

    Examples
    --------
    >>> escape_text('<img src=x onerror="alert(`${1}`)">')
    '&lt;img src=x onerror=&quot;alert(&#96;&#36;&#123;1&#125;&#96;)&quot;&gt;'
    """
    return html.escape(str(value), quote=True).translate(_EXTRA)


def display_text(value: Any, limit: int = DEFAULT_TEXT_CHARS) -> str:
    """A value as a person reads it: NULL as empty, dates in ISO form, long text cut."""
    if value is None or _is_missing(value):
        return ""
    if isinstance(value, bytes | bytearray | memoryview):
        return f"({len(bytes(value)):,} bytes of binary data)"
    if isinstance(value, float):
        return f"{value:.15g}"
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if hasattr(value, "isoformat"):  # pandas Timestamp
        return str(value.isoformat())
    if isinstance(value, dict | list | tuple):
        text = json.dumps(value, ensure_ascii=False, default=str)
    else:
        text = str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _is_missing(value: Any) -> bool:
    if isinstance(value, float):
        return math.isnan(value)
    try:
        import pandas as pd

        return bool(pd.isna(value)) if not isinstance(value, str) else False
    except (TypeError, ValueError):  # arrays and other containers
        return False


def is_web_link(text: str) -> bool:
    """True when ``text`` is exactly one http(s) address (the only links a map makes)."""
    return _WEB_LINK.fullmatch(text) is not None


def script_json(value: Any) -> str:
    """``value`` as JSON that is safe inside an inline ``<script>`` element.

    ``<``, ``>``, ``&`` and ``'`` become ``\\u`` escapes (as Jinja's
    ``tojson``), so no text can end the element; non-ASCII (with U+2028/9)
    is escaped too. Compact separators keep big layers small.
    """
    text = json.dumps(value, ensure_ascii=True, allow_nan=False, separators=(",", ":"))
    return (
        text.replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
        .replace("'", "\\u0027")
    )


def not_a_template(text: str) -> str:
    """``text``, checked to hold no Jinja delimiter.

    branca renders each element's script and then compiles the result as a
    Jinja template again (``Element(script(...))``): a ``{{`` reaching it
    would be evaluated at export time. Escaped data holds no brace, and
    compact JSON never has ``{{``, ``{%`` or ``{#`` (an object opens with
    ``"`` or ``}``); this check keeps it that way.

    Raises
    ------
    ExportError
        If the text would be read as a template.
    """
    if _JINJA.search(text):
        raise ExportError("A web-map value would be read as a page template; nothing was written")
    return text
