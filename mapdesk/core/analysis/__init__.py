"""Analyses over layers: plain Python on GeoDataFrames, no Qt, no io."""
