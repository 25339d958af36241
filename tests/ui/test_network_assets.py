"""Network assets in the app: New Network Layers, templates and proposals in the feature form,
and coded values in the network check."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import geopandas as gpd
import pytest
from pyproj import CRS
from PySide6.QtCore import QPoint, Qt
from shapely.geometry import LineString, Point

from mapdesk.core.layer import VectorLayer
from mapdesk.core.project import Project
from mapdesk.io.network_gpkg import create_network_layers

from .conftest import PORTLAND_X, PORTLAND_Y, drop_edits

X, Y = PORTLAND_X, PORTLAND_Y

NODE_RULES = {
    "type": {"codes": {"handhole": "Handhole", "tower": "Radio tower", "site": "City site"}},
    "status": {"codes": {"planned": "Planned", "active": "Active", "retired": "Retired"}},
}


def test_the_form_template_fills_the_fields_and_every_value_stays_editable(qtbot: Any) -> None:
    from mapdesk.ui.dialogs.feature_form import NO_TEMPLATE, FeatureFormDialog

    fields = [(n, "object") for n in ("asset_id", "type", "status", "owner", "model")]
    templates = [
        ("Handhole", {"type": "handhole", "model": "Quazite PG1730", "status": "planned",
                      "owner": "City of Portland"}),
        ("Radio tower", {"type": "tower", "model": None, "status": "planned",
                         "owner": "City of Portland"}),
    ]  # fmt: skip
    form = FeatureFormDialog(
        "Network nodes", fields, dict, None, NODE_RULES, templates, None, {"asset_id": "NN-0188"}
    )
    qtbot.addWidget(form)
    assert form.template is not None
    assert [form.template.itemText(i) for i in range(3)] == [NO_TEMPLATE, "Handhole", "Radio tower"]
    assert form.template_name is None and form.edits["asset_id"].text() == "NN-0188"
    assert form.choices["type"].currentData() is None  # nothing chosen yet
    form.template.setCurrentText("Handhole")
    assert form.choices["type"].currentData() == "handhole"
    assert form.choices["status"].currentData() == "planned"
    assert form.edits["model"].text() == "Quazite PG1730"
    form.template.setCurrentText("Radio tower")
    assert form.choices["type"].currentData() == "tower" and form.edits["model"].text() == ""
    form.edits["owner"].setText("Maine DOT")
    form.choices["status"].setCurrentIndex(form.choices["status"].findData("active"))
    form.accept()
    assert form.template_name == "Radio tower"
    assert form.values == {
        "asset_id": "NN-0188",
        "type": "tower",
        "status": "active",
        "owner": "Maine DOT",
        "model": None,
    }


def test_a_layer_without_templates_gets_the_plain_form(qtbot: Any) -> None:
    from mapdesk.ui.dialogs.feature_form import FeatureFormDialog

    form = FeatureFormDialog("Parcels", [("parcel_id", "object")], dict, None, None)
    qtbot.addWidget(form)
    assert form.template is None and form.template_name is None
    assert form.findChild(type(form.edits["parcel_id"]), "field_parcel_id") is not None


# --- New Network Layers, then drawing into them -----------------------------------------------
def _accept_new_layers(path: Path) -> Callable[[Any], int]:
    def handler(dialog: Any) -> int:
        dialog.file_name.setText(str(path))
        dialog.accept()
        return int(dialog.result())

    return handler


def _create(
    window: Any, qtbot: Any, dialogs: Any, path: Path, answer: Callable[[Any], int] | None = None
) -> tuple[VectorLayer, VectorLayer]:
    controller = window.network_layers
    controller.last_layers = None
    dialogs.handlers["NewNetworkLayersDialog"] = answer or _accept_new_layers(path)
    window.findChild(type(controller.action), "actionNewNetworkLayers").trigger()
    qtbot.waitUntil(lambda: controller.last_layers is not None, timeout=10000)
    return controller.last_layers


def _pixel(window: Any, x: float, y: float, nudge: tuple[int, int] = (0, 0)) -> QPoint:
    px, py = window.canvas.view.to_screen([x], [y])
    return QPoint(round(float(px[0])) + nudge[0], round(float(py[0])) + nudge[1])


def _click(qtbot: Any, window: Any, x: float, y: float, nudge: tuple[int, int] = (0, 0)) -> None:
    pos = _pixel(window, x, y, nudge)
    qtbot.mouseMove(window.canvas, pos)
    qtbot.mouseClick(window.canvas, Qt.MouseButton.LeftButton, pos=pos)


class FormSpy:
    """Answers the feature form: records what it proposed, picks a template, presses OK."""

    def __init__(self, template: str | None = None, accept: bool = True) -> None:
        self.template, self.accept = template, accept
        self.seen: list[dict[str, Any]] = []

    def __call__(self, form: Any) -> int:
        self.seen.append({**form.typed(), "template": form.template_name})
        if self.template is not None:
            form.template.setCurrentText(self.template)
        if not self.accept:
            form.reject()
            return int(form.result())
        form.accept()
        return int(form.result())


def test_new_network_layers_are_added_in_edit_mode_with_the_network_styles(
    qtbot: Any, window: Any, dialogs: Any, tmp_path: Path
) -> None:
    menu = window.findChild(type(window.menuBar().actions()[0].menu()), "createLayerMenu")
    assert "New &Network Layers…" in [a.text() for a in menu.actions()]
    answer = lambda dialog: _check_defaults(dialog, tmp_path)  # noqa: E731
    nodes, spans = _create(window, qtbot, dialogs, tmp_path / "plant.gpkg", answer)
    assert nodes.origin is not None and Path(nodes.origin.path).name == "plant.gpkg"
    assert (nodes.name, spans.name) == ("network_nodes", "fibre_spans")
    assert nodes.is_editing and spans.is_editing
    assert window.layer_panel.current_layer() is nodes
    assert window.map_actions.add_feature.isEnabled()
    layers = list(window.project.layers)
    assert layers.index(nodes) < layers.index(spans)  # nodes drawn over spans
    assert nodes.style.fill_color == "#42d4f4" and spans.style.stroke_color == "#00a3a3"
    assert nodes.crs == CRS.from_epsg(26984)  # the map's own CRS, in metres
    assert list(nodes.edit_session.field_rules["type"]["codes"])[:2] == ["site", "switch"]
    drop_edits(window)


def _check_defaults(dialog: Any, folder: Path) -> int:
    # The map is in Maine West metres: proposed as is; the names are the model's.
    assert dialog.crs_button.text().startswith("EPSG:26984")
    assert (dialog.nodes.text(), dialog.spans.text()) == ("network_nodes", "fibre_spans")
    dialog.file_name.setText(str(folder / "plant"))  # ".gpkg" is added
    dialog.accept()
    return int(dialog.result())


def test_templates_next_ids_and_a_spans_end_nodes_when_digitising(
    qtbot: Any, window: Any, dialogs: Any, tmp_path: Path
) -> None:
    nodes, spans = _create(window, qtbot, dialogs, tmp_path / "plant.gpkg")
    canvas = window.canvas
    canvas.set_view(canvas.view.fitted((X - 500, Y - 400, X + 500, Y + 400)))
    window.map_actions.add_feature.trigger()
    first = FormSpy("Splice closure")
    dialogs.handlers["FeatureFormDialog"] = first
    _click(qtbot, window, X, Y)
    assert first.seen == [
        {"asset_id": "NN-0001", "type": None, "status": None, "owner": None,
         "install_date": None, "model": None, "site_id": None, "template": None}
    ]  # fmt: skip
    second = FormSpy()
    dialogs.handlers["FeatureFormDialog"] = second
    _click(qtbot, window, X + 300, Y)
    # The template last used on this layer is chosen again (and has filled the form).
    assert second.seen[0]["template"] == "Splice closure"
    assert second.seen[0]["asset_id"] == "NN-0002"
    assert second.seen[0]["type"] == "splice_closure" and second.seen[0]["status"] == "planned"
    assert list(nodes.data["asset_id"]) == ["NN-0001", "NN-0002"]
    assert list(nodes.data["owner"]) == ["City of Portland"] * 2
    # A span drawn from the first closure to the second, clicked a few pixels off each.
    window.layer_panel.select_layer(spans)
    window.map_actions.add_feature.trigger()
    cable = FormSpy("Fibre cable 48 strands")
    dialogs.handlers["FeatureFormDialog"] = cable
    _click(qtbot, window, X, Y, (4, -3))
    _click(qtbot, window, X + 150, Y + 80)
    end = _pixel(window, X + 300, Y, (-3, 4))
    qtbot.mouseMove(canvas, end)
    qtbot.mouseClick(canvas, Qt.MouseButton.LeftButton, pos=end)
    qtbot.mouseClick(canvas, Qt.MouseButton.RightButton, pos=end)
    proposed = cable.seen[0]
    assert (proposed["asset_id"], proposed["from_node"], proposed["to_node"]) == (
        "FS-0001",
        "NN-0001",
        "NN-0002",
    )
    drawn = spans.data.geometry.iloc[0]
    assert float(proposed["length_m"]) == pytest.approx(drawn.length, abs=0.2)
    row = spans.data.iloc[0]
    assert (row["type"], row["strand_count"], row["status"]) == ("fibre_cable", 48, "planned")
    assert (row["from_node"], row["to_node"]) == ("NN-0001", "NN-0002")
    drop_edits(window)


def test_replacing_existing_network_layers_is_asked_first(
    qtbot: Any, window: Any, dialogs: Any, messages: Any, tmp_path: Path
) -> None:
    path = tmp_path / "plant.gpkg"
    create_network_layers(path, CRS.from_epsg(26919))
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    dialogs.handlers["NewNetworkLayersDialog"] = _accept_new_layers(path)
    messages.answer = messages.answer.No
    window.network_layers.action.trigger()
    assert (
        "plant.gpkg already has network_nodes and fibre_spans. Replace them?"
        in (messages.texts("question")[0])
    )
    assert hashlib.sha256(path.read_bytes()).hexdigest() == digest
    assert window.network_layers.last_layers is None
    messages.answer = messages.answer.Yes
    nodes, _spans = _create(window, qtbot, dialogs, path)
    assert nodes.crs == CRS.from_epsg(26984)  # replaced, in the map's CRS
    # Now the project shows them: they are not replaced under it.
    window.network_layers.action.trigger()
    assert "open in this project as network_nodes, fibre_spans" in messages.texts("warning")[-1]
    drop_edits(window)


def test_the_network_check_lists_values_outside_their_domain(
    qtbot: Any, window: Any, small_project: Project
) -> None:
    crs = "EPSG:26984"
    nodes = gpd.GeoDataFrame(
        {"asset_id": ["NN-1", "NN-2"], "type": ["site", "cabinet"], "status": ["active"] * 2},
        geometry=[Point(X, Y), Point(X + 100, Y)],
        crs=crs,
    )
    spans = gpd.GeoDataFrame(
        {"asset_id": ["FS-1"], "type": ["fibre_cable"], "status": ["Active"],
         "from_node": ["NN-1"], "to_node": ["NN-2"]},
        geometry=[LineString([(X, Y), (X + 100, Y)])],
        crs=crs,
    )  # fmt: skip
    small_project.add_layer(VectorLayer(spans, "Spans"))
    small_project.add_layer(VectorLayer(nodes, "Nodes"))
    window.map_actions.check_network.trigger()
    tree = window.cut_impact_panel.tree
    qtbot.waitUntil(lambda: tree.topLevelItemCount() > 1, timeout=10000)
    group = next(
        tree.topLevelItem(i)
        for i in range(tree.topLevelItemCount())
        if tree.topLevelItem(i).text(0).startswith("Value outside its domain")
    )
    assert group.text(0) == "Value outside its domain (2)"
    assert [group.child(i).text(0) for i in range(2)] == [
        'Node NN-2: type "cabinet" is not one of site, switch, router, splice_closure, '
        "handhole, tower, camera",
        'Span FS-1: status "Active" is not one of planned, active, retired; did you mean "active"?',
    ]


# --- on the demo -------------------------------------------------------------------------------
def test_on_the_demo_new_assets_continue_its_ids_and_meet_its_nodes(
    demo_window: Any, dialogs: Any
) -> None:
    project = demo_window.project
    nodes = project.layers.by_name("Network nodes")
    spans = project.layers.by_name("Fibre spans")
    for layer in (nodes, spans):
        demo_window.layer_panel.select_layer(layer)
        demo_window.map_actions.toggle_editing.trigger()
    spy = FormSpy(accept=False)
    dialogs.handlers["FeatureFormDialog"] = spy
    demo_window.layer_panel.select_layer(nodes)
    demo_window.digitizing.add_feature("point", [(892_700.0, 91_600.0)])
    form = dialogs.opened[-1]
    assert spy.seen[0]["asset_id"] == "NN-0188"  # after NN-0187
    # The demo declares its codes: a list, and the templates they allow.
    assert form.choices["type"].findData("splice_closure") > 0
    assert form.template.findText("Splice closure") > 0
    # Each empty field says what it takes, in words (the file's DATE, not pandas' "object").
    assert form.edits["install_date"].placeholderText() == "NULL (date, YYYY-MM-DD)"
    assert form.edits["owner"].placeholderText() == "NULL (text)"
    # A span drawn between FS-0004's two end nodes gets them as from/to.
    span = spans.data[spans.data["asset_id"] == "FS-0004"].iloc[0]
    ends = [span.geometry.coords[0], span.geometry.coords[-1]]
    demo_window.layer_panel.select_layer(spans)
    demo_window.digitizing.add_feature("line", [(x + 0.5, y - 0.5) for x, y in ends])
    proposed = spy.seen[1]
    assert proposed["asset_id"] == "FS-0163"
    assert (proposed["from_node"], proposed["to_node"]) == (span["from_node"], span["to_node"])
    assert not nodes.is_modified and not spans.is_modified  # both forms were cancelled


# --- proposals with more than one network in the project ----------------------------------------
def _network(folder: str, offset: float) -> tuple[VectorLayer, VectorLayer]:
    """A node and a span layer read from ``folder``/plant.gpkg: two nodes 300 m apart."""
    from mapdesk.core.layer import LayerOrigin

    path = f"{folder}/plant.gpkg"
    nodes = gpd.GeoDataFrame(
        {"asset_id": ["NN-0001", "NN-0002"], "type": ["site", "switch"], "status": ["active"] * 2},
        geometry=[Point(X + offset, Y), Point(X + offset + 300, Y)],
        crs="EPSG:26984",
    )
    spans = gpd.GeoDataFrame(
        {"asset_id": ["FS-0001"], "type": ["conduit"], "status": ["active"],
         "from_node": ["NN-0001"], "to_node": ["NN-0002"]},
        geometry=[LineString([(X + offset, Y), (X + offset + 300, Y)])],
        crs="EPSG:26984",
    )  # fmt: skip
    return (
        VectorLayer(nodes, "Network nodes", LayerOrigin(path, "network_nodes", "GPKG")),
        VectorLayer(spans, "Fibre spans", LayerOrigin(path, "fibre_spans", "GPKG")),
    )


def test_a_spans_end_nodes_come_from_the_node_layer_of_its_own_file(tmp_path: Path) -> None:
    from mapdesk.ui.controllers.asset_forms import AssetForms

    project = Project("EPSG:26984")
    city_nodes, city_spans = _network(str(tmp_path / "city"), 0.0)
    plan_nodes, plan_spans = _network(str(tmp_path / "plan"), 5000.0)
    for layer in (city_spans, city_nodes, plan_spans, plan_nodes):  # the plan on top
        project.add_layer(layer)
    forms = AssetForms(project)
    for spans, offset in ((city_spans, 0.0), (plan_spans, 5000.0)):
        spans.start_editing()
        drawn = [(X + offset + 0.4, Y), (X + offset + 299.7, Y + 0.2)]
        proposed = forms.for_new_feature(spans, drawn, 2.0).proposed
        assert (proposed["from_node"], proposed["to_node"]) == ("NN-0001", "NN-0002"), spans


def test_a_point_layer_of_other_assets_with_asset_id_and_type_gets_the_plain_form() -> None:
    from mapdesk.ui.controllers.asset_forms import AssetForm, AssetForms

    project = Project("EPSG:26984")
    lights = gpd.GeoDataFrame(
        {"asset_id": ["SL-0001", "SL-0002"], "type": ["LED cobra head", "Acorn"]},
        geometry=[Point(X, Y), Point(X + 40, Y)],
        crs="EPSG:26984",
    )
    streetlights = VectorLayer(lights, "Streetlights")
    nodes = VectorLayer(lights.assign(type=["Handhole", None]), "Network nodes")
    project.add_layer(streetlights)
    project.add_layer(nodes)
    forms = AssetForms(project)
    for layer in (streetlights, nodes):
        layer.start_editing()
    # Its types are none of the network's: no Handhole or Splice closure templates, no NN- ids.
    assert forms.for_new_feature(streetlights, [(X, Y + 50)], 2.0) == AssetForm()
    # A network layer whose types are written with capitals is still one.
    assert forms.for_new_feature(nodes, [(X, Y + 50)], 2.0).templates
    blank = lights.iloc[:0].copy()
    blank.attrs["geometry_type"] = "Point"  # as its file declares it
    empty = VectorLayer(blank, "New nodes")
    project.add_layer(empty)
    empty.start_editing()
    assert forms.for_new_feature(empty, [(X, Y + 50)], 2.0).templates  # nothing to tell yet
