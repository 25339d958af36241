"""Layer addresses for PostGIS tables: parsing and writing ``postgresql://`` URIs.

The form is libpq's connection URI with the layer in the query::

    postgresql://editor@gis.portland.local:5432/city?table=public.parcels
    postgresql://editor@gis/city?table=utilities.hydrants&geometry=geom&sslmode=require
    postgresql:///city?service=gis_prod&table=public.parcels

``table`` is ``schema.name`` (split at the first dot; without a schema the
table is looked for in every schema), ``geometry`` picks one geometry column of
a table that has several, ``sslmode`` and ``service`` are libpq's. Two settings
load part of a table (:mod:`mapdesk.io.postgis.where`)::

    postgresql://editor@gis/city?table=public.parcels&bbox=120000,90000,121000,91000
    postgresql://editor@gis/city?table=public.parcels&bbox=-70.3,43.6,-70.2,43.7,EPSG:4326
    postgresql://editor@gis/city?table=public.parcels&where=%22units%22%20%3E%202

``bbox`` is ``xmin,ymin,xmax,ymax`` in the table's CRS, or in the CRS named
after it (as WFS writes it); ``where`` is a filter expression, URL-encoded. Without
``table`` the URI names a database, whose tables :func:`mapdesk.io.list_layers`
lists. A password written in the URI (``editor:secret@``) is used for that
session only: :meth:`PostgisUri.format` never writes it, so it cannot reach a
project file.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit

from mapdesk.core.errors import DataSourceError
from mapdesk.io.postgis.connection import PgConnection

SCHEMES = ("postgresql", "postgres")
_KNOWN = {
    *("table", "geometry", "sslmode", "service", "host", "port", "dbname", "user"),
    *("where", "bbox"),
}


def is_postgis_uri(text: object) -> bool:
    """True when ``text`` is a ``postgresql://`` (or ``postgres://``) address."""
    if not isinstance(text, str):
        return False
    scheme, sep, _ = text.strip().partition("://")
    return bool(sep) and scheme.lower() in SCHEMES


@dataclass(frozen=True)
class TableName:
    """A table, optionally schema-qualified (``schema.name``)."""

    schema: str | None
    name: str

    @classmethod
    def parse(cls, text: str) -> TableName:
        schema, dot, name = text.partition(".")
        if not dot:
            schema, name = "", schema
        if not name or (dot and not schema):
            raise DataSourceError(f"PostGIS table {text!r}: write it as schema.table or table")
        return cls(schema or None, name)

    def __str__(self) -> str:
        return f"{self.schema}.{self.name}" if self.schema else self.name


@dataclass(frozen=True)
class Bbox:
    """A rectangle to load the features of: ``xmin,ymin,xmax,ymax[,CRS]``.

    ``crs`` (``"EPSG:4326"``, any text pyproj reads) is the CRS of the
    numbers; None means the table's own CRS.
    """

    xmin: float
    ymin: float
    xmax: float
    ymax: float
    crs: str | None = None

    @classmethod
    def parse(cls, text: str) -> Bbox:
        parts = [part.strip() for part in text.split(",")]
        crs = parts.pop() if len(parts) == 5 else None
        try:
            numbers = [float(part) for part in parts]
        except ValueError:
            numbers = []
        if len(numbers) != 4 or not all(math.isfinite(n) for n in numbers) or crs == "":
            raise DataSourceError(
                f"bbox {text!r}: write it as xmin,ymin,xmax,ymax or xmin,ymin,xmax,ymax,EPSG:code"
            )
        xmin, ymin, xmax, ymax = numbers
        if xmin > xmax or ymin > ymax:
            raise DataSourceError(f"bbox {text!r}: the minimum is above the maximum")
        return cls(xmin, ymin, xmax, ymax, crs)

    def __str__(self) -> str:
        numbers = ",".join(repr(n) if not n.is_integer() else str(int(n)) for n in self.numbers)
        return f"{numbers},{self.crs}" if self.crs else numbers

    @property
    def numbers(self) -> tuple[float, float, float, float]:
        return (self.xmin, self.ymin, self.xmax, self.ymax)


@dataclass(frozen=True)
class PostgisUri:
    """A PostGIS database, optionally one table (and geometry column) in it.

    ``password`` comes only from a URI the user typed; it is never formatted
    back and is not shown by ``repr``.
    """

    connection: PgConnection
    table: TableName | None = None
    geometry: str | None = None
    password: str | None = field(default=None, repr=False, compare=False)
    where: str | None = None
    bbox: Bbox | None = None

    @classmethod
    def parse(cls, text: str) -> PostgisUri:
        """Read a ``postgresql://`` URI.

        Raises
        ------
        DataSourceError
            When it is not one, or a part of it is malformed (the message
            shows the URI without any password).
        ExpressionError
            When ``where`` is not a valid expression.
        """
        from mapdesk.core.data_uri import without_password

        shown = without_password(text.strip())
        if not is_postgis_uri(text):
            raise DataSourceError(f"{shown}: not a postgresql:// address")
        parts = urlsplit(text.strip())
        query = dict(parse_qsl(parts.query, keep_blank_values=False))
        unknown = sorted(set(query) - _KNOWN)
        if unknown:
            known = ", ".join(sorted(_KNOWN))
            raise DataSourceError(f"{shown}: unknown setting {', '.join(unknown)} (known: {known})")
        host, port = _host_port(parts.netloc.rpartition("@")[2])
        try:
            port = query.get("port") or port
            connection = PgConnection(
                host=query.get("host") or host,
                port=int(port) if port else None,
                dbname=query.get("dbname") or unquote(parts.path.lstrip("/")) or None,
                user=query.get("user") or (unquote(parts.username) if parts.username else None),
                sslmode=query.get("sslmode"),
                service=query.get("service"),
            )
            table = TableName.parse(query["table"]) if "table" in query else None
            bbox = Bbox.parse(query["bbox"]) if "bbox" in query else None
        except ValueError:
            raise DataSourceError(f"{shown}: the port is not a number") from None
        except DataSourceError as exc:
            raise DataSourceError(f"{shown}: {exc}") from None
        password = unquote(parts.password) if parts.password else None
        where = query.get("where", "").strip() or None
        if where is not None:
            from mapdesk.core.expression import parse as parse_expression

            parse_expression(where)  # a typing mistake is found before connecting
        return cls(connection, table, query.get("geometry"), password, where, bbox)

    def format(self) -> str:
        """The URI without any password: what projects and messages may show.

        Examples
        --------
        >>> uri = PostgisUri.parse("postgresql://ed:pw@gis:5433/city?table=public.parcels")
        >>> uri.format()
        'postgresql://ed@gis:5433/city?table=public.parcels'
        """
        c = self.connection
        host = c.host or ""
        if host.startswith("/") or ":" in host:  # a socket folder or an IPv6 address
            host = f"[{host}]" if ":" in host and not host.startswith("/") else quote(host, "")
        user = f"{quote(c.user, '')}@" if c.user else ""
        port = f":{c.port}" if c.port else ""
        query: list[tuple[str, str]] = []
        if self.table is not None:
            query.append(("table", str(self.table)))
        if self.geometry:
            query.append(("geometry", self.geometry))
        query += [(k, v) for k, v in (("sslmode", c.sslmode), ("service", c.service)) if v]
        if self.bbox is not None:
            query.append(("bbox", str(self.bbox)))
        if self.where:
            query.append(("where", self.where))
        tail = "?" + urlencode(query, safe=".,:", quote_via=quote) if query else ""
        return f"postgresql://{user}{host}{port}/{quote(c.dbname or '', '')}{tail}"

    def with_table(self, table: TableName, geometry: str | None = None) -> PostgisUri:
        """The same database with ``table`` (and its geometry column) chosen."""
        return replace(self, table=table, geometry=geometry)

    def with_filter(self, where: str | None = None, bbox: Bbox | None = None) -> PostgisUri:
        """The same table, loading only the features in ``bbox`` that match ``where``."""
        return replace(self, where=where.strip() or None if where else None, bbox=bbox)


def _host_port(hostport: str) -> tuple[str | None, str | None]:
    """Host and port text from ``host:port``, ``[ipv6]:port`` or ``%2Fsocket%2Fdir``.

    Not ``urlsplit().hostname``: that lower-cases, and a socket folder's case matters.
    """
    if hostport.startswith("["):
        host, _, rest = hostport[1:].partition("]")
        port = rest.removeprefix(":")
    else:
        host, _, port = hostport.partition(":")
    return (unquote(host) or None), (port or None)
