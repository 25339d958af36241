"""Random edits, undos, redos and saves agree with a plain reference model.

The model is a dict fid -> (name, count, x, y) plus its own undo history;
after every step the layer must show exactly the model, and after a save the
GeoPackage read back must hold exactly the model.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Any

import geopandas as gpd
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule
from shapely.geometry import Point

import mapdesk  # noqa: F401  (registers the reader and the edit writer)
from mapdesk.core.editing.values import is_missing
from mapdesk.io.loader import load_layer

Model = dict[int, tuple[Any, Any, float, float]]

names = st.one_of(
    st.none(), st.text(st.characters(codec="utf-8", exclude_characters="\x00"), max_size=12)
)
counts = st.one_of(st.none(), st.integers(-(2**40), 2**40))
coordinates = st.integers(-1000, 1000).map(float)


def _plain(value: Any) -> Any:
    if is_missing(value):
        return None
    return value.item() if hasattr(value, "item") else value


def _as_model(frame: gpd.GeoDataFrame) -> Model:
    return {
        int(fid): (
            _plain(row["name"]),
            None if is_missing(row["count"]) else int(row["count"]),
            float(row.geometry.x),
            float(row.geometry.y),
        )
        for fid, row in frame.iterrows()
    }


class EditingMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.folder = Path(tempfile.mkdtemp(prefix="mapdesk-stateful-"))
        self.path = self.folder / "assets.gpkg"
        gpd.GeoDataFrame(
            {"name": ["a", "b", "c"], "count": [1, 2, 3]},
            geometry=[Point(0, 0), Point(1, 1), Point(2, 2)],
            crs="EPSG:26919",
        ).to_file(self.path, layer="assets", engine="pyogrio")
        self.layer = load_layer(str(self.path), "assets")
        self.layer.start_editing()
        self.history: list[Model] = [_as_model(self.layer.data)]
        self.position = 0

    @property
    def model(self) -> Model:
        return self.history[self.position]

    def _did(self, model: Model) -> None:
        del self.history[self.position + 1 :]
        self.history.append(model)
        self.position += 1

    @rule(name=names, count=counts, x=coordinates, y=coordinates)
    def add(self, name: str | None, count: int | None, x: float, y: float) -> None:
        fid = self.layer.add_feature(Point(x, y), {"name": name, "count": count})
        assert fid not in self.model
        self._did({**self.model, fid: (name, count, x, y)})

    @precondition(lambda self: bool(self.model))
    @rule(data=st.data(), name=names)
    def rename(self, data: st.DataObject, name: str | None) -> None:
        fid = data.draw(st.sampled_from(sorted(self.model)))
        self.layer.change_attribute_value(fid, "name", name)
        _, count, x, y = self.model[fid]
        self._did({**self.model, fid: (name, count, x, y)})

    @precondition(lambda self: bool(self.model))
    @rule(data=st.data(), count=counts)
    def recount(self, data: st.DataObject, count: int | None) -> None:
        fid = data.draw(st.sampled_from(sorted(self.model)))
        self.layer.change_attribute_value(fid, "count", count)
        name, _, x, y = self.model[fid]
        self._did({**self.model, fid: (name, count, x, y)})

    @precondition(lambda self: bool(self.model))
    @rule(data=st.data(), x=coordinates, y=coordinates)
    def move(self, data: st.DataObject, x: float, y: float) -> None:
        fid = data.draw(st.sampled_from(sorted(self.model)))
        self.layer.change_geometry(fid, Point(x, y))
        name, count, _, _ = self.model[fid]
        self._did({**self.model, fid: (name, count, x, y)})

    @precondition(lambda self: bool(self.model))
    @rule(data=st.data())
    def delete(self, data: st.DataObject) -> None:
        fids = data.draw(st.sets(st.sampled_from(sorted(self.model)), min_size=1, max_size=3))
        self.layer.delete_features(fids)
        self._did({fid: v for fid, v in self.model.items() if fid not in fids})

    @precondition(lambda self: self.position > 0)
    @rule()
    def undo(self) -> None:
        self.layer.undo()
        self.position -= 1

    @precondition(lambda self: self.position < len(self.history) - 1)
    @rule()
    def redo(self) -> None:
        self.layer.redo()
        self.position += 1

    @rule()
    def save_and_reload(self) -> None:
        self.layer.commit_changes()
        saved = _as_model(load_layer(str(self.path), "assets").data)
        assert saved == self.model
        self.history, self.position = [self.model], 0  # a save clears the undo history

    @invariant()
    def layer_shows_the_model(self) -> None:
        assert _as_model(self.layer.data) == self.model
        if self.position == 0:  # back where the last save left it
            assert not self.layer.is_modified

    def teardown(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)


EditingMachine.TestCase.settings = settings(
    max_examples=40,
    stateful_step_count=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
test_random_edits_undos_and_saves_agree_with_the_model = EditingMachine.TestCase
