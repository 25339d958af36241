"""Analysis ▸ Trace Network on the demo: click a node, see what it reaches."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QToolBar

from mapdesk.ui.canvas.trace_tool import TRACE_TOOL

#: City Hall (NN-0001..4) and Deering High School (NN-0019) in the demo (EPSG:26984).
CITY_HALL = (892_658.18, 91_567.74)


def _node_xy(window: Any, asset_id: str) -> tuple[float, float]:
    nodes = window.project.layers.by_name("Network nodes")
    point = nodes.data.geometry[nodes.data["asset_id"] == asset_id].iloc[0]
    return float(point.x), float(point.y)


def _look_at(window: Any, xy: tuple[float, float], half: float = 400.0) -> None:
    x, y = xy
    window.canvas.set_view(window.canvas.view.fitted((x - half, y - half, x + half, y + half)))


def _click(qtbot: Any, window: Any, xy: tuple[float, float], dx: int = 0, dy: int = 0) -> Any:
    """Click the map ``dx, dy`` pixels off map position ``xy``; the answer that came back."""
    px, py = window.canvas.view.to_screen([xy[0]], [xy[1]])
    pos = QPoint(round(float(px[0])) + dx, round(float(py[0])) + dy)
    with qtbot.waitSignal(window.network_trace.trace_ready, timeout=30000) as ready:
        qtbot.mouseClick(window.canvas, Qt.MouseButton.LeftButton, pos=pos)
    return ready.args[0]


def _selected(window: Any, layer_name: str, field: str) -> set[str]:
    layer = window.project.layers.by_name(layer_name)
    return set(layer.data.loc[layer.data.index.isin(layer.selected_fids), field])


def test_the_tool_is_a_map_tool_with_its_shortcut_menu_and_button(window: Any) -> None:
    action = window.findChild(QAction, "actionTraceNetwork")
    assert action is window.map_actions.trace_network
    assert action.shortcut() == QKeySequence("Ctrl+Shift+T") and not action.icon().isNull()
    assert action.isCheckable() and action.actionGroup() is window.map_actions.map_tools
    menu = window.findChild(object, "analysisMenu")
    assert action in menu.actions() and window.map_actions.trace_with_cuts in menu.actions()
    assert any(action in bar.actions() for bar in window.findChildren(QToolBar))
    action.trigger()
    assert window.canvas.map_tool.name == TRACE_TOOL and action.isChecked()
    window.map_actions.pan.trigger()
    assert not action.isChecked()
    window.canvas.set_map_tool(TRACE_TOOL)  # chosen some other way: the action follows
    assert action.isChecked()


def test_no_two_window_shortcuts_clash(window: Any) -> None:
    shortcuts = Counter(
        action.shortcut().toString()
        for action in window.findChildren(QAction)
        if not action.shortcut().isEmpty()
        and action.shortcutContext() == Qt.ShortcutContext.WindowShortcut
    )
    assert [key for key, count in shortcuts.items() if count > 1] == []


def test_a_click_near_city_hall_traces_the_whole_network(demo_window: Any, qtbot: Any) -> None:
    _look_at(demo_window, CITY_HALL)
    demo_window.map_actions.trace_network.trigger()
    answer = _click(qtbot, demo_window, CITY_HALL, dx=5, dy=-4)  # a few pixels off the node
    assert answer.pick.node_id == "NN-0001"
    texts = demo_window.cut_impact_panel.texts()
    assert texts[:5] == [
        "Traced from NN-0001 (site, CS-001 City Hall)",
        "Reached: 182 nodes, 155 spans (81.348 km of span)",
        "Core reached: City Hall",
        "9-1-1 centre reached: Regional 9-1-1 Communications Center",
        "Sites reached (26)",
    ]
    assert "  CS-016  Peaks Island School" in texts and "Towers reached (7)" in texts
    assert demo_window.cut_impact_panel.isVisible()
    # what is reached is selected: the retired spans and the unreached tower mast are not
    spans = _selected(demo_window, "Fibre spans", "asset_id")
    assert len(spans) == 155 and not spans & {"FS-0154", "FS-0155", "FS-0156"}
    assert len(_selected(demo_window, "Network nodes", "asset_id")) == 182
    assert "TWR-02" not in _selected(demo_window, "Radio towers", "site_id")
    assert len(_selected(demo_window, "City sites", "site_id")) == 26
    highlight = demo_window.canvas.highlight
    assert highlight is not None and len(highlight.points) == 182
    assert demo_window.status.currentMessage() == (
        "Traced from NN-0001: 182 nodes, 155 spans (81.348 km); core reached; 9-1-1 centre reached"
    )
    assert demo_window.network_trace.tool.start == pytest.approx(CITY_HALL)


def test_a_click_far_from_any_node_says_so_and_changes_nothing(
    demo_window: Any, qtbot: Any
) -> None:
    x, y = CITY_HALL
    _look_at(demo_window, (x, y + 5000))
    demo_window.map_actions.trace_network.trigger()
    answer = _click(qtbot, demo_window, (x, y + 5000))
    assert answer.trace is None and answer.pick.node_id is None
    assert demo_window.status.currentMessage().startswith(
        "No network node in service within 10 pixels of the click"
    )
    assert _selected(demo_window, "Fibre spans", "asset_id") == set()
    assert demo_window.canvas.highlight is None
    assert not demo_window.cut_impact_panel.isVisible()


def test_trace_with_selected_spans_cut(demo_window: Any, qtbot: Any) -> None:
    spans = demo_window.project.layers.by_name("Fibre spans")
    spans.selection.apply(spans.data.index[spans.data["asset_id"].isin(["FS-0033", "FS-0040"])])
    demo_window.map_actions.trace_with_cuts.trigger()
    assert demo_window.network_trace.cut_spans == ("FS-0033", "FS-0040")
    assert demo_window.canvas.map_tool.name == TRACE_TOOL
    assert demo_window.map_actions.trace_network.isChecked()
    deering = _node_xy(demo_window, "NN-0019")
    _look_at(demo_window, deering, half=1500)
    answer = _click(qtbot, demo_window, deering)
    texts = demo_window.cut_impact_panel.texts()
    assert texts[:5] == [
        "Traced from NN-0019 (site, CS-006 Deering High School)",
        "Spans cut: FS-0033, FS-0040",
        "Reached: 14 nodes, 9 spans (3.547 km of span)",
        "Core NOT reached: City Hall",
        "9-1-1 centre NOT reached: Regional 9-1-1 Communications Center",
    ]
    assert texts[5:9] == [
        "Sites reached (3)",
        "  CS-006  Deering High School",
        "  CS-015  Longfellow Elementary School",
        "  CS-017  Burbank Branch Library",
    ]
    assert _selected(demo_window, "Fibre spans", "asset_id") == answer.trace.span_ids
    assert len(demo_window.network_trace.tool.cut_lines) == 2  # drawn dashed on the map
    # the trace's own span selection does not become the next click's cuts
    _look_at(demo_window, CITY_HALL)
    again = _click(qtbot, demo_window, CITY_HALL)
    assert again.trace.cut_spans == ("FS-0033", "FS-0040")
    assert len(again.trace.node_ids) == 182 - 14
    # Trace Network again: nothing cut
    demo_window.map_actions.trace_network.trigger()
    assert demo_window.network_trace.cut_spans == ()
    assert _click(qtbot, demo_window, CITY_HALL).trace.cut_spans == ()


def test_removing_the_network_layers_drops_the_cuts_and_the_marks(
    demo_window: Any, qtbot: Any, messages: Any
) -> None:
    """Cuts from a span layer that is gone must not haunt the next clicks (or the
    next project): every click would fail with 'Span FS-0033 is not in the network'."""
    spans = demo_window.project.layers.by_name("Fibre spans")
    spans.selection.apply(spans.data.index[spans.data["asset_id"].isin(["FS-0033", "FS-0040"])])
    demo_window.map_actions.trace_with_cuts.trigger()
    deering = _node_xy(demo_window, "NN-0019")
    _look_at(demo_window, deering, half=1500)
    _click(qtbot, demo_window, deering)
    tool = demo_window.network_trace.tool
    assert tool.start is not None and len(tool.cut_lines) == 2
    demo_window.project.remove_layer(spans)
    assert demo_window.network_trace.cut_spans == ()
    assert tool.start is None and list(tool.cut_lines) == []
    assert demo_window.status.currentMessage().startswith("Trace Network: the network's layers")
    # the same layer back: a click traces with nothing cut, and no error
    demo_window.project.add_layer(spans)
    answer = _click(qtbot, demo_window, deering)
    assert answer.trace.cut_spans == () and messages.shown == []


def test_a_trace_answered_after_its_layers_were_removed_is_dropped(
    demo_window: Any, qtbot: Any
) -> None:
    _look_at(demo_window, CITY_HALL)
    demo_window.map_actions.trace_network.trigger()
    px, py = demo_window.canvas.view.to_screen([CITY_HALL[0]], [CITY_HALL[1]])
    pos = QPoint(round(float(px[0])), round(float(py[0])))
    qtbot.mouseClick(demo_window.canvas, Qt.MouseButton.LeftButton, pos=pos)
    spans = demo_window.project.layers.by_name("Fibre spans")
    demo_window.project.remove_layer(spans)  # before the worker's answer is shown
    assert demo_window.workers.wait()
    qtbot.wait(300)  # the answer is delivered to the UI thread
    assert not demo_window.status.task_label.isVisible()  # "Building…" ended
    assert demo_window.network_trace.tool.start is None
    assert demo_window.canvas.highlight is None and spans.selected_fids == frozenset()
    assert not demo_window.cut_impact_panel.isVisible()


def test_escape_clears_the_trace_but_keeps_the_cuts_that_still_apply(
    demo_window: Any, qtbot: Any
) -> None:
    spans = demo_window.project.layers.by_name("Fibre spans")
    spans.selection.apply(spans.data.index[spans.data["asset_id"].isin(["FS-0033", "FS-0040"])])
    demo_window.map_actions.trace_with_cuts.trigger()
    deering = _node_xy(demo_window, "NN-0019")
    _look_at(demo_window, deering, half=1500)
    _click(qtbot, demo_window, deering)
    tool = demo_window.network_trace.tool
    assert tool.start is not None and demo_window.canvas.highlight is not None
    QTest.keyClick(demo_window.canvas, Qt.Key.Key_Escape)
    assert tool.start is None and demo_window.canvas.highlight is None
    assert len(tool.cut_lines) == 2 and demo_window.network_trace.cut_spans == (
        "FS-0033",
        "FS-0040",
    )


def test_removing_another_layer_keeps_the_cuts(demo_window: Any) -> None:
    spans = demo_window.project.layers.by_name("Fibre spans")
    spans.selection.apply(spans.data.index[spans.data["asset_id"].isin(["FS-0033"])])
    demo_window.map_actions.trace_with_cuts.trigger()
    demo_window.project.remove_layer(demo_window.project.layers.by_name("Parcels"))
    assert demo_window.network_trace.cut_spans == ("FS-0033",)
    assert len(demo_window.network_trace.tool.cut_lines) == 1


def test_a_map_crs_changed_while_tracing_does_not_misplace_the_ring(
    demo_window: Any, qtbot: Any
) -> None:
    """The answer's node position is in the CRS of the click: drawn in a CRS chosen
    meanwhile, the ring would land in the wrong place (metres read as degrees)."""
    _look_at(demo_window, CITY_HALL)
    demo_window.map_actions.trace_network.trigger()
    px, py = demo_window.canvas.view.to_screen([CITY_HALL[0]], [CITY_HALL[1]])
    with qtbot.waitSignal(demo_window.network_trace.trace_ready, timeout=30000):
        qtbot.mouseClick(
            demo_window.canvas,
            Qt.MouseButton.LeftButton,
            pos=QPoint(round(float(px[0])), round(float(py[0]))),
        )
        demo_window.project.crs = "EPSG:4326"  # before the worker's answer is shown
    tool = demo_window.network_trace.tool
    assert tool.start == pytest.approx(CITY_HALL)
    assert tool.crs != demo_window.project.crs  # so the ring is not drawn until the next trace


def test_trace_with_cuts_needs_a_selected_span(demo_window: Any, messages: Any) -> None:
    demo_window.map_actions.trace_with_cuts.trigger()
    (text,) = messages.texts("information")
    assert text.startswith("Select the cut span(s) in the 'Fibre spans' layer first")
    assert text.endswith("then run Trace with Selected Spans Cut.")
    assert demo_window.canvas.map_tool.name != TRACE_TOOL


def test_a_retired_span_is_refused_as_a_cut_before_any_click(
    demo_window: Any, messages: Any
) -> None:
    """Taken as cut, a retired span would make every later click fail."""
    spans = demo_window.project.layers.by_name("Fibre spans")
    retired = spans.data[spans.data["status"] == "retired"]["asset_id"].iloc[0]
    spans.selection.apply(spans.data.index[spans.data["asset_id"].isin(["FS-0033", retired])])
    demo_window.map_actions.trace_with_cuts.trigger()
    (text,) = messages.texts("information")
    assert text.startswith(f"{retired} in 'Fibre spans' is retired")
    assert demo_window.canvas.map_tool.name != TRACE_TOOL
    assert demo_window.network_trace.cut_spans == ()


def test_the_graph_is_built_once_until_the_network_changes(demo_window: Any, qtbot: Any) -> None:
    graphs = demo_window.cut_impact.dock.graphs
    _look_at(demo_window, CITY_HALL)
    demo_window.map_actions.trace_network.trigger()
    _click(qtbot, demo_window, CITY_HALL)
    _click(qtbot, demo_window, CITY_HALL, dx=3)
    demo_window.map_actions.check_network.trigger()  # the same graph serves the check
    qtbot.waitUntil(lambda: demo_window.status.currentMessage().startswith("Network checked"))
    assert graphs.builds == 1
    spans = demo_window.project.layers.by_name("Fibre spans")
    spans.replace_data(spans.data.drop(index=spans.data.index[spans.data["asset_id"] == "FS-0001"]))
    answer = _click(qtbot, demo_window, CITY_HALL)
    assert graphs.builds == 2 and "FS-0001" not in answer.trace.span_ids


def test_double_clicking_a_row_zooms_to_it(demo_window: Any, qtbot: Any) -> None:
    _look_at(demo_window, CITY_HALL)
    demo_window.map_actions.trace_network.trigger()
    _click(qtbot, demo_window, CITY_HALL)
    panel = demo_window.cut_impact_panel
    sites = next(
        panel.tree.topLevelItem(i)
        for i in range(panel.tree.topLevelItemCount())
        if panel.tree.topLevelItem(i).text(0).startswith("Sites reached")
    )
    peaks = next(
        sites.child(i)
        for i in range(sites.childCount())
        if "Peaks Island School" in sites.child(i).text(0)
    )
    panel.tree.itemDoubleClicked.emit(peaks, 0)
    school = _node_xy(demo_window, "NN-0041")
    x0, y0, x1, y1 = demo_window.canvas.view.extent
    assert x0 < school[0] < x1 and y0 < school[1] < y1
    assert not (x0 < CITY_HALL[0] < x1 and y0 < CITY_HALL[1] < y1)
    # the start row zooms back to the node traced from
    panel.tree.itemDoubleClicked.emit(panel.tree.topLevelItem(0), 0)
    x0, y0, x1, y1 = demo_window.canvas.view.extent
    assert x0 < CITY_HALL[0] < x1 and y0 < CITY_HALL[1] < y1


def test_a_project_without_a_network_says_so(window: Any, qtbot: Any, messages: Any) -> None:
    window.map_actions.trace_network.trigger()
    centre = QPoint(window.canvas.width() // 2, window.canvas.height() // 2)
    qtbot.mouseClick(window.canvas, Qt.MouseButton.LeftButton, pos=centre)
    (text,) = messages.texts("information")
    assert text.startswith("No network in this project")


def test_ids_padded_with_spaces_are_the_ids_the_graph_uses(
    demo_window: Any, qtbot: Any, messages: Any
) -> None:
    """Ids typed in a spreadsheet often end in a space: the graph reads them
    stripped, so cutting, selecting and highlighting must too."""
    for name in ("Fibre spans", "Network nodes"):
        layer = demo_window.project.layers.by_name(name)
        layer.replace_data(layer.data.assign(asset_id=layer.data["asset_id"] + " "))
    spans = demo_window.project.layers.by_name("Fibre spans")
    spans.selection.apply(spans.data.index[spans.data["asset_id"].isin(["FS-0033 ", "FS-0040 "])])
    demo_window.map_actions.trace_with_cuts.trigger()
    assert demo_window.network_trace.cut_spans == ("FS-0033", "FS-0040")
    assert len(demo_window.network_trace.tool.cut_lines) == 2
    deering = _node_xy(demo_window, "NN-0019 ")
    _look_at(demo_window, deering, half=1500)
    answer = _click(qtbot, demo_window, deering)
    assert messages.shown == [] and len(answer.trace.node_ids) == 14
    assert len(spans.selected_fids) == 9
    assert len(demo_window.project.layers.by_name("Network nodes").selected_fids) == 14
    assert len(demo_window.canvas.highlight.points) == 14


def test_selected_spans_without_an_id_are_named_as_such(demo_window: Any, messages: Any) -> None:
    spans = demo_window.project.layers.by_name("Fibre spans")
    spans.replace_data(spans.data.assign(asset_id=None))
    spans.selection.apply(spans.data.index[:2])
    demo_window.map_actions.trace_with_cuts.trigger()
    (text,) = messages.texts("information")
    assert text.startswith("The 2 spans selected in 'Fibre spans' have no asset_id")
    assert demo_window.canvas.map_tool.name != TRACE_TOOL


def test_a_retired_copy_of_a_traced_id_stays_unselected() -> None:
    import geopandas as gpd
    from shapely.geometry import LineString

    from mapdesk.core.layer import VectorLayer
    from mapdesk.ui.controllers.network_dock import select_by_id

    line = LineString([(0, 0), (100, 0)])
    spans = VectorLayer(
        gpd.GeoDataFrame(
            {"asset_id": ["S1", "S1", "S2"], "status": ["active", "retired", "planned"]},
            geometry=[line, line, line],
            crs="EPSG:26984",
        ),
        "Spans",
    )
    rows = select_by_id(spans, "asset_id", {"S1", "S2"}, in_service_only=True)
    assert rows.tolist() == [True, False, True]
    assert spans.selected_fids == frozenset({0, 2})
