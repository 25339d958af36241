"""Dialogs: Add Layer, CRS chooser, layer properties, opacity, about."""
