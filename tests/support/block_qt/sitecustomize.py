"""Makes PySide6/shiboken6 unimportable, to prove core and io never need Qt.

scripts/test.sh puts this folder on PYTHONPATH for the Qt-free test run.
"""

import importlib.abc
import sys


class _BlockQt(importlib.abc.MetaPathFinder):
    def find_spec(self, fullname, path=None, target=None):
        if fullname.split(".")[0] in {"PySide6", "shiboken6"}:
            raise ImportError(f"{fullname} is blocked: core and io must not need Qt")
        return None


sys.meta_path.insert(0, _BlockQt())
