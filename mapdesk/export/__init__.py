"""Files for the people downstream of the GIS team: vector exports (more to come).

May use QtCore/QtGui (map images), never QtWidgets; the vector export uses neither.
"""
