"""The errors a user can cause, each with a message written for a GIS analyst.

Every failure that comes from the user's data or choices (a bad file, an unknown
CRS, a missing layer) raises a subclass of :class:`MapdeskError`. The message
names the file, row or value and says what is wrong; the UI and CLI show it
as is, never a traceback.
"""

from __future__ import annotations


class MapdeskError(Exception):
    """Base of every error mapdesk reports to its user."""


class DataSourceError(MapdeskError):
    """A file or URI could not be opened or read."""


class UnsupportedFormatError(DataSourceError):
    """The file exists but is not a vector format mapdesk can read."""


class LayerNotFoundError(DataSourceError):
    """The named layer is not in the data source."""


class CsvLayoutError(DataSourceError):
    """A CSV file's geometry columns could not be found or parsed."""


class CrsError(MapdeskError):
    """A coordinate reference system could not be understood or used."""


class ProjectFileError(MapdeskError):
    """A mapdesk project file is missing, damaged or from a newer version."""
