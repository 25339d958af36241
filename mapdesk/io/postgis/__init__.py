"""PostGIS tables as layers: connections, ``postgresql://`` URIs, browsing and reading.

Qt-free. :mod:`mapdesk.io.registry` sends ``postgresql://`` addresses here, so
``Project.add_layer``, ``mapdesk info`` and project files take them like paths::

    project.add_layer("postgresql://editor@gis.portland.local/city?table=public.parcels")

Only this module is imported with mapdesk; psycopg is imported when a database
is first used (:mod:`mapdesk.io.postgis.layers`).
"""

from mapdesk.io.postgis.connection import PgConnection
from mapdesk.io.postgis.uri import PostgisUri, TableName, is_postgis_uri

__all__ = ["PgConnection", "PostgisUri", "TableName", "is_postgis_uri"]
