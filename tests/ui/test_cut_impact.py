"""Analysis ▸ Cut Impact of Selected Spans on the demo network."""

from __future__ import annotations

from typing import Any


def test_cutting_the_peaks_island_span_loses_its_sites_and_tower(
    demo_window: Any, qtbot: Any
) -> None:
    project = demo_window.project
    spans = project.layers.by_name("Fibre spans")
    spans.selection.apply(spans.data.index[spans.data["asset_id"] == "FS-0121"])
    demo_window.map_actions.cut_impact.trigger()
    panel = demo_window.cut_impact_panel
    qtbot.waitUntil(lambda: panel.tree.topLevelItemCount() > 0, timeout=10000)
    texts = panel.texts()
    assert texts[0] == "Spans cut: FS-0121"
    assert "9-1-1 centre (Regional 9-1-1 Communications Center): still connected" in texts
    assert "  CS-016  Peaks Island School" in texts and "  TWR-08  Peaks Island tower" in texts
    assert panel.isVisible()
    # The lost places are selected on the map: what is highlighted is what goes dark.
    sites = project.layers.by_name("City sites")
    lost = set(sites.data.loc[sites.data.index.isin(sites.selected_fids), "site_id"])
    assert lost == {"CS-016", "CS-019"}
    towers = project.layers.by_name("Radio towers")
    assert set(towers.data.loc[towers.data.index.isin(towers.selected_fids), "site_id"]) == {
        "TWR-08"
    }
    assert demo_window.status.currentMessage().startswith(
        "Cut FS-0121: 2 sites and 1 tower lost; 9-1-1 centre connected"
    )


def test_without_a_selected_span_it_says_what_to_do(demo_window: Any, messages: Any) -> None:
    demo_window.map_actions.cut_impact.trigger()
    (text,) = messages.texts("information")
    assert text.startswith("Select the cut span(s) in the 'Fibre spans' layer first")


def test_a_project_without_a_network_says_so(window: Any, messages: Any) -> None:
    window.map_actions.cut_impact.trigger()
    (text,) = messages.texts("information")
    assert text.startswith("No network in this project")


def test_check_network_lists_the_demo_data_problems_and_zooms_to_one(
    demo_window: Any, qtbot: Any
) -> None:
    demo_window.map_actions.check_network.trigger()
    panel = demo_window.cut_impact_panel
    qtbot.waitUntil(lambda: panel.tree.topLevelItemCount() > 1, timeout=10000)
    texts = panel.texts()
    assert texts[0] == "9 problems in the data (double-click one to see it)"
    assert "Dangling span (4)" in texts and "Isolated node (5)" in texts
    assert any("FS-0125" in text for text in texts)
    before = demo_window.canvas.view
    panel.problem_activated.emit(0)
    after = demo_window.canvas.view
    assert after.resolution < before.resolution  # zoomed in to the problem
    assert demo_window.status.currentMessage() == "Network checked: 9 problems in its data"
