"""Printed maps: a page with a title, the map, its legend, a scale bar, a north
arrow and a footer, written as a vector PDF or a PNG (QtGui only, no widgets).

``page``, ``scale_bar`` and ``north`` are plain arithmetic (points, metres,
degrees); ``legend`` and ``paint`` draw with a QPainter; ``series`` makes one
page per feature of a layer; ``writer`` puts pages into files atomically.
"""
