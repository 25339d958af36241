"""The errors a user can cause, each with a message written for a GIS analyst.

Every failure that comes from the user's data or choices (a bad file, an unknown
CRS, a missing layer) raises a subclass of :class:`MapdeskError`. The message
names the file, row or value and says what is wrong; the UI and CLI show it
as is, never a traceback.
"""

from __future__ import annotations

from dataclasses import dataclass


class MapdeskError(Exception):
    """Base of every error mapdesk reports to its user."""


class DataSourceError(MapdeskError):
    """A file or URI could not be opened or read."""


class UnsupportedFormatError(DataSourceError):
    """The file exists but is not a vector format mapdesk can read."""


class UnsafeFileError(DataSourceError):
    """A file was refused unread because it is built to harm the reader.

    An archive whose entries escape it, link elsewhere or unpack to a bomb;
    XML that declares entities or an external DTD (see ``docs/adding-data.md``,
    "Files from outside the city").
    """


class LayerNotFoundError(DataSourceError):
    """The named layer is not in the data source."""


class CsvLayoutError(DataSourceError):
    """A CSV file's geometry columns could not be found or parsed."""


@dataclass(frozen=True)
class EncodingChoice:
    """One text encoding the user may choose for a file, with what it makes of the text.

    Attributes
    ----------
    codec
        The Python codec name (``"cp1252"``), passed back to read the file.
    label
        What the user sees ("Windows-1252 (Western European)").
    preview
        A few of the file's text values decoded with it.
    """

    codec: str
    label: str
    preview: tuple[str, ...]


class EncodingUncertainError(DataSourceError):
    """A file's text encoding could not be told for sure; the user must choose.

    Raised instead of reading text that would come out garbled (mojibake).
    The UI shows the candidates with their previews and reads the file again
    with the chosen one; the CLI names them and asks for ``--encoding``.

    Attributes
    ----------
    file_name
        The file whose text it is (a ``.shp``'s DBF).
    gdal_encoding
        What GDAL would have used on its own (Python codec name).
    candidates
        The encodings that decode the text, most plausible first.

    It crosses from the reader sandbox's child pickled: the message is its
    only required argument and the fields travel in its ``__dict__``.
    """

    def __init__(
        self,
        message: str,
        file_name: str = "",
        gdal_encoding: str = "",
        candidates: tuple[EncodingChoice, ...] = (),
    ) -> None:
        super().__init__(message)
        self.file_name = file_name
        self.gdal_encoding = gdal_encoding
        self.candidates = tuple(candidates)


class WebServiceError(DataSourceError):
    """A web service (an Open311 GeoReport endpoint) refused a request or could not be reached.

    Kept apart from damaged data so the UI can say "check the address or API
    key, or try later" rather than "the data is damaged".

    Attributes
    ----------
    status
        The HTTP status, or the service's own error code, when there was one.
    """

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class CrsError(MapdeskError):
    """A coordinate reference system could not be understood or used."""


class ProjectFileError(MapdeskError):
    """A mapdesk project file is missing, damaged or from a newer version."""


class ExpressionError(MapdeskError):
    """A filter or field-calculator expression is not valid or cannot be evaluated.

    Attributes
    ----------
    position
        0-based character offset in ``expression`` the problem is at (None
        when it concerns the whole expression).
    expression
        The expression text.
    """

    def __init__(self, problem: str, expression: str = "", position: int | None = None) -> None:
        self.problem = problem
        self.expression = expression
        self.position = position
        super().__init__(self._message())

    def _message(self) -> str:
        if self.position is None or not self.expression:
            return self.problem
        # QGIS-like: the expression on one line, a caret under the culprit.
        line = self.expression.replace("\n", " ")
        return (
            f"{self.problem} (at character {self.position + 1})\n  {line}\n  {' ' * self.position}^"
        )


class LayerExistsError(MapdeskError):
    """A file already has a layer of the name about to be written; nothing was changed.

    Attributes
    ----------
    layers
        The names already taken, as the file spells them.
    """

    def __init__(self, message: str, layers: tuple[str, ...]) -> None:
        super().__init__(message)
        self.layers = layers
