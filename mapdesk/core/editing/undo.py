"""Commands and the undo stack: every edit undoable, a vertex drag one step.

QUndoStack's model without Qt: ``push`` runs a command and keeps it; a command
with the same ``merge_key`` as the one on top is merged into it (a drag
pushes many moves and leaves one step); commands pushed inside ``macro`` are
one step ("Delete 12 features"); the clean index marks the saved state.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

import geopandas as gpd
from psygnal import Signal

from mapdesk.core.errors import MapdeskError


class Command(Protocol):
    """One undoable edit."""

    @property
    def text(self) -> str: ...

    def redo(self) -> None: ...

    def undo(self) -> None: ...


#: How a command sets features: the fids it touches and the rows they then have.
RowSetter = Callable[[Sequence[Any], gpd.GeoDataFrame], None]


@dataclass(frozen=True)
class RowsCommand:
    """The features ``fids`` go from ``before`` to ``after`` (absent rows: no feature)."""

    text: str
    fids: tuple[Any, ...]
    before: gpd.GeoDataFrame = field(repr=False)
    after: gpd.GeoDataFrame = field(repr=False)
    set_rows: RowSetter = field(repr=False)
    #: Commands with equal keys (not None) merge: one drag, one undo step.
    merge_key: Hashable | None = None

    def redo(self) -> None:
        self.set_rows(self.fids, self.after)

    def undo(self) -> None:
        self.set_rows(self.fids, self.before)

    def merged(self, newer: RowsCommand) -> RowsCommand | None:
        """This command followed by ``newer`` as one, when they may merge."""
        if self.merge_key is None or newer.merge_key != self.merge_key:
            return None
        if newer.fids != self.fids:
            return None
        return replace(self, after=newer.after)


@dataclass
class MacroCommand:
    """Several commands as one undo step."""

    text: str
    commands: list[Command] = field(default_factory=list)

    def redo(self) -> None:
        for command in self.commands:
            command.redo()

    def undo(self) -> None:
        for command in reversed(self.commands):
            command.undo()


class UndoStack:
    """The edits of one edit session, in order, with an undo/redo position."""

    #: The position, the texts or the clean state changed.
    changed = Signal()

    def __init__(self) -> None:
        self._commands: list[Command] = []
        self._index = 0
        self._clean_index: int | None = 0
        self._macro: MacroCommand | None = None

    # --- state -----------------------------------------------------------------
    @property
    def index(self) -> int:
        """How many commands are applied (the history panel's current row)."""
        return self._index

    def texts(self) -> list[str]:
        """Every command's text, oldest first (applied and undone ones)."""
        return [command.text for command in self._commands]

    @property
    def can_undo(self) -> bool:
        return self._index > 0 and self._macro is None

    @property
    def can_redo(self) -> bool:
        return self._index < len(self._commands) and self._macro is None

    @property
    def undo_text(self) -> str:
        return self._commands[self._index - 1].text if self.can_undo else ""

    @property
    def redo_text(self) -> str:
        return self._commands[self._index].text if self.can_redo else ""

    @property
    def is_clean(self) -> bool:
        """True when the applied commands are those of the last save."""
        return self._clean_index == self._index

    def set_clean(self) -> None:
        self._clean_index = self._index
        self.changed.emit()

    def clear(self) -> None:
        """Forget every command (after a save or a rollback)."""
        self._commands.clear()
        self._index = 0
        self._clean_index = 0
        self.changed.emit()

    # --- doing and undoing ------------------------------------------------------
    def push(self, command: Command) -> None:
        """Run ``command`` and keep it on top (merging it when it may)."""
        command.redo()
        if self._macro is not None:
            self._macro.commands.append(command)
            return
        del self._commands[self._index :]
        if self._clean_index is not None and self._clean_index > self._index:
            self._clean_index = None  # the saved state can no longer be reached
        top = self._commands[-1] if self._commands else None
        merged = _merge(top, command) if self._index != self._clean_index else None
        if merged is not None:
            self._commands[-1] = merged
        else:
            self._commands.append(command)
            self._index += 1
        self.changed.emit()

    def undo(self) -> None:
        if not self.can_undo:
            raise MapdeskError("Nothing to undo")
        # The position moves only once the command has run: a command that
        # fails (the journal could not write) leaves the stack as it was.
        self._commands[self._index - 1].undo()
        self._index -= 1
        self.changed.emit()

    def redo(self) -> None:
        if not self.can_redo:
            raise MapdeskError("Nothing to redo")
        self._commands[self._index].redo()
        self._index += 1
        self.changed.emit()

    def set_index(self, index: int) -> None:
        """Undo or redo until ``index`` commands are applied (a click in the history)."""
        if not 0 <= index <= len(self._commands):
            raise MapdeskError(f"No step {index} in the edit history")
        while self._index > index:
            self.undo()
        while self._index < index:
            self.redo()

    @contextmanager
    def macro(self, text: str) -> Iterator[None]:
        """Commands pushed in the block become one step called ``text``.

        If the block fails, what it already did is undone and nothing is kept.
        """
        if self._macro is not None:  # nested: part of the outer step
            yield
            return
        self._macro = MacroCommand(text)
        try:
            yield
        except BaseException:
            macro, self._macro = self._macro, None
            macro.undo()
            raise
        macro, self._macro = self._macro, None
        if macro.commands:
            del self._commands[self._index :]
            if self._clean_index is not None and self._clean_index > self._index:
                self._clean_index = None
            self._commands.append(macro)
            self._index += 1
            self.changed.emit()


def _merge(top: Command | None, command: Command) -> Command | None:
    if isinstance(top, RowsCommand) and isinstance(command, RowsCommand):
        return top.merged(command)
    return None
