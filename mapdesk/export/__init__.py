"""Files for the people downstream of the GIS team: vector exports (more to come).

May use QtCore/QtGui (map images) but no widget module, so exports run headless;
the vector export uses no Qt at all.
"""
