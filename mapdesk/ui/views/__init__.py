"""Layout-only widgets: the docks and the status bar (controllers wire them)."""
