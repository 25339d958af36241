"""Qt-free model: projects, layers, CRS handling, view math, spatial queries."""
