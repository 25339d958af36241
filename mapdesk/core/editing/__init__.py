"""Editing: edit sessions over an immutable base, commands with undo, saving."""
