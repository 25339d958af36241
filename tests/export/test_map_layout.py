"""Map layouts written to PDF and PNG, read back the way a recipient would:
pdftotext for the words, pdftoppm for the picture, pdfinfo for the paper."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtGui import QImage

from mapdesk.core.project import Project
from mapdesk.export.formats import ExportError
from mapdesk.export.layout.page import Page, layout_boxes
from mapdesk.export.map_layout import MapLayoutOptions, export_map, plan_map, write_map

PRINT_DATE = dt.date(2026, 11, 26)


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        if os.environ.get("CI"):
            pytest.fail(f"{name} (poppler-utils) is missing on CI: scripts/test.sh installs it")
        pytest.skip(f"{name} (poppler-utils) is not installed")
    return found


def pdf_text(path: Path, page: int | None = None) -> str:
    pages = ["-f", str(page), "-l", str(page)] if page else []
    run = subprocess.run(
        [_tool("pdftotext"), "-layout", *pages, str(path), "-"],
        capture_output=True,
        text=True,
        check=True,
    )
    return run.stdout


def pdf_info(path: Path) -> dict[str, str]:
    run = subprocess.run([_tool("pdfinfo"), str(path)], capture_output=True, text=True, check=True)
    return dict(line.split(":", 1) for line in run.stdout.splitlines() if ":" in line)


def pdf_picture(path: Path, tmp_path: Path, dpi: int = 72) -> np.ndarray:
    """The first page as an RGB array (at 72 dpi one pixel is one point)."""
    stem = tmp_path / "page"
    subprocess.run(
        [_tool("pdftoppm"), "-r", str(dpi), "-f", "1", "-l", "1", "-png", str(path), str(stem)],
        check=True,
    )
    (picture,) = tmp_path.glob("page*.png")
    return rgb_array(QImage(str(picture)))


def rgb_array(image: QImage) -> np.ndarray:
    """An image's pixels as a (height, width, 3) uint8 array."""
    rgb = image.convertToFormat(QImage.Format.Format_RGB888)
    stride = rgb.bytesPerLine()
    raw = np.frombuffer(rgb.constBits(), dtype=np.uint8, count=stride * rgb.height())
    return (
        raw.reshape(rgb.height(), stride)[:, : rgb.width() * 3]
        .reshape(rgb.height(), rgb.width(), 3)
        .copy()
    )


def _options(**changes: object) -> MapLayoutOptions:
    base: dict[str, object] = {"title": "Council map & 9-1-1 zones", "date": PRINT_DATE}
    base.update(changes)
    return MapLayoutOptions(**base)  # type: ignore[arg-type]


def test_pdf_text_has_title_legend_scale_bar_and_footer(
    demo_project: Project, tmp_path: Path
) -> None:
    target = tmp_path / "council.pdf"
    result = export_map(demo_project, target, _options())
    assert result.paths == (target,) and result.pages == 1
    text = pdf_text(target)
    assert "Council map & 9-1-1 zones" in text
    assert "Legend" in text
    visible = [layer.name for layer in demo_project.layers if layer.visible]
    hidden = [layer.name for layer in demo_project.layers if not layer.visible]
    # Legend names may be elided with "…" in the narrow column: compare a prefix.
    for name in visible:
        assert name[:18] in text, f"legend lacks {name}"
    for name in hidden:
        assert name not in text, f"hidden layer {name} is in the legend"
    for category in ("open", "acknowledged", "closed"):  # FixIt status classes
        assert category in text
    assert " mi" in text  # the scale bar's last label
    assert "Source: greater_portland_demo.gpkg" in text
    assert "EPSG:26984" in text and "Made 2026-11-26 with mapdesk" in text
    assert "Scale 1:" in text
    assert "N" in text.split()  # the north arrow's letter


@pytest.mark.parametrize(
    ("page", "size"),
    [
        (Page("letter", "landscape"), "792 x 612"),
        (Page("letter", "portrait"), "612 x 792"),
        (Page("tabloid", "portrait"), "792 x 1224"),
        (Page("a4", "landscape"), "842 x 595"),
        (Page("a3", "portrait"), "842 x 1191"),
    ],
)
def test_pdf_paper_size_and_orientation(
    demo_project: Project, tmp_path: Path, page: Page, size: str
) -> None:
    target = tmp_path / "map.pdf"
    export_map(demo_project, target, _options(page=page))
    info = pdf_info(target)
    assert info["Page size"].strip().startswith(size)
    assert info["Pages"].strip() == "1"
    assert info["Title"].strip() == "Council map & 9-1-1 zones"


def test_pdf_is_vector_with_no_raster_images(demo_project: Project, tmp_path: Path) -> None:
    target = tmp_path / "map.pdf"
    export_map(demo_project, target, _options())
    run = subprocess.run(
        [_tool("pdfimages"), "-list", str(target)], capture_output=True, text=True, check=True
    )
    images = run.stdout.splitlines()[2:]  # two header lines
    assert images == [], "map symbols should be vector paths, not images"


def _dark(pixels: np.ndarray) -> np.ndarray:
    return np.asarray(pixels.sum(axis=-1) < 150)


def test_pdf_picture_shows_map_scale_bar_and_north_arrow(
    demo_project: Project, tmp_path: Path
) -> None:
    target = tmp_path / "map.pdf"
    export_map(demo_project, target, _options())
    picture = pdf_picture(target, tmp_path)  # one pixel per point
    boxes = layout_boxes(Page())
    x, y, w, h = (round(v) for v in boxes.map)
    frame = picture[y + 2 : y + h - 2, x + 2 : x + w - 2]
    colours = {tuple(p) for p in frame.reshape(-1, 3)[::7]}
    assert len(colours) > 50, "the map frame looks empty"
    # Scale bar: black and white boxes in the map's lower-left corner.
    corner = picture[y + h - 45 : y + h - 5, x + 5 : x + 200]
    assert _dark(corner).sum() > 100
    assert (corner.min(axis=-1) > 240).sum() > 100
    # North arrow: a dark arrow in the top-right corner.
    arrow = picture[y + 5 : y + 60, x + w - 50 : x + w - 5]
    assert _dark(arrow).sum() > 40
    # Title: dark text in the title box.
    tx, ty, tw, th = (round(v) for v in boxes.title)
    assert _dark(picture[ty : ty + th, tx : tx + tw // 2]).sum() > 300


def test_png_has_the_page_size_at_its_dpi(demo_project: Project, tmp_path: Path) -> None:
    target = tmp_path / "map.png"
    result = export_map(demo_project, target, _options(page=Page("a4", "portrait"), dpi=100))
    assert result.paths == (target,)
    image = QImage(str(target))
    assert (image.width(), image.height()) == Page("a4", "portrait").pixels(100)
    assert image.dotsPerMeterX() == round(100 / 0.0254)
    # The same page as the PDF: title dark, map frame full of colour.
    boxes = layout_boxes(Page("a4", "portrait"))
    scale = 100 / 72
    x, y, w, h = (round(v * scale) for v in boxes.map)
    middle = image.copy(x + 10, y + 10, w - 20, h - 20)
    colours = {middle.pixel(i, j) for i in range(0, middle.width(), 9) for j in range(0, 400, 9)}
    assert len(colours) > 50


def test_series_makes_a_page_per_feature_titled_by_a_field(
    demo_project: Project, tmp_path: Path
) -> None:
    districts = next(layer for layer in demo_project.layers if layer.name == "Fire districts")
    target = tmp_path / "districts.pdf"
    steps: list[str] = []
    result = export_map(
        demo_project,
        target,
        _options(title="Fire districts", series_layer="Fire districts", series_label="DsplayName"),
        progress=steps.append,
    )
    names = list(districts.data["DsplayName"])
    assert result.pages == len(names) == int(pdf_info(target)["Pages"])
    for number, name in enumerate(names, start=1):
        assert f"Fire districts — {name}" in pdf_text(target, number)
    assert steps[0] == f"drawing page 1 of {len(names)}: {names[0]}"


def test_series_pages_each_zoom_to_their_feature(demo_project: Project, tmp_path: Path) -> None:
    """Each page's printed scale differs with its district's size (a zoom, not one view)."""
    target = tmp_path / "districts.pdf"
    export_map(demo_project, target, _options(series_layer="Fire districts"))
    scales = set()
    for number in range(1, 4):
        text = pdf_text(target, number)
        scales.add(text.split("Scale 1:")[1].split()[0])
    assert len(scales) == 3


def test_series_png_writes_numbered_files(demo_project: Project, tmp_path: Path) -> None:
    target = tmp_path / "zones.png"
    result = export_map(demo_project, target, _options(series_layer="Police boundaries", dpi=40))
    assert [p.name for p in result.paths] == ["zones-001.png", "zones-002.png", "zones-003.png"]
    assert all(p.stat().st_size > 1000 for p in result.paths)
    assert not target.exists()


@pytest.mark.parametrize(
    ("name", "options", "message"),
    [
        ("map.jpg", {}, r"map\.jpg: name a \.pdf or \.png"),
        ("missing/map.pdf", {}, "folder .*missing does not exist"),
        ("map.pdf", {"series_layer": "Council districts"}, "No layer 'Council districts'"),
        (
            "map.pdf",
            {"series_layer": "Fire districts", "series_label": "Nope"},
            "no field 'Nope'",
        ),
        ("map.pdf", {"series_layer": "Address points"}, "at most 500 pages"),
    ],
)
def test_bad_requests_name_what_is_wrong(
    demo_project: Project, tmp_path: Path, name: str, options: dict[str, object], message: str
) -> None:
    with pytest.raises(ExportError, match=message):
        export_map(demo_project, tmp_path / name, _options(**options))
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("options", "message"),
    [({"dpi": 1200}, "between 36 and 600"), ({"units": "furlongs"}, "imperial or metric")],
)
def test_bad_options_are_refused(options: dict[str, object], message: str) -> None:
    with pytest.raises(ExportError, match=message):
        _options(**options)


def test_nothing_visible_is_refused(demo_project: Project, tmp_path: Path) -> None:
    for layer in demo_project.layers:
        layer.visible = False
    with pytest.raises(ExportError, match="no visible layers"):
        export_map(demo_project, tmp_path / "map.pdf", _options())


@pytest.mark.parametrize("suffix", [".pdf", ".png"])
def test_cancel_leaves_the_old_file_as_it_was(
    demo_project: Project, tmp_path: Path, suffix: str
) -> None:
    target = tmp_path / f"map{suffix}"
    target.write_bytes(b"the council's last map")
    calls = iter(range(1000))
    # Cancelled part-way through drawing the map.
    result = export_map(demo_project, target, _options(), is_cancelled=lambda: next(calls) > 3)
    assert result.cancelled and result.paths == ()
    assert target.read_bytes() == b"the council's last map"
    assert sorted(p.name for p in tmp_path.iterdir()) == [target.name]


def test_selection_is_not_printed(demo_project: Project, tmp_path: Path) -> None:
    """A printed map shows features in their styles, not someone's yellow selection."""
    parcels = next(layer for layer in demo_project.layers if layer.name == "Parcels")
    plain, selected = tmp_path / "plain.png", tmp_path / "selected.png"
    export_map(demo_project, plain, _options(dpi=50))
    parcels.selection.apply(parcels.data.index)
    export_map(demo_project, selected, _options(dpi=50))
    assert plain.read_bytes() == selected.read_bytes()


def test_a_cancelled_png_series_leaves_no_page_and_old_pages_as_they_were(
    demo_project: Project, tmp_path: Path
) -> None:
    old_page = tmp_path / "districts-003.png"
    old_page.write_bytes(b"last year's page 3")
    drawn = []

    def cancel_on_third_page(step: str) -> None:
        drawn.append(step)

    result = export_map(
        demo_project,
        tmp_path / "districts.png",
        _options(series_layer="Fire districts", dpi=36),
        progress=cancel_on_third_page,
        is_cancelled=lambda: len(drawn) >= 3,
    )
    assert result.cancelled and result.paths == ()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["districts-003.png"]
    assert old_page.read_bytes() == b"last year's page 3"


def test_older_pages_beyond_a_new_series_are_kept_and_reported(
    demo_project: Project, tmp_path: Path
) -> None:
    for number in (1, 2, 3, 4, 5):
        (tmp_path / f"zones-{number:03d}.png").write_bytes(b"older series")
    plan = plan_map(
        demo_project, tmp_path / "zones.png", _options(series_layer="Police boundaries")
    )
    assert [p.name for p in plan.replaces] == ["zones-001.png", "zones-002.png", "zones-003.png"]
    assert [p.name for p in plan.earlier_pages] == ["zones-004.png", "zones-005.png"]
    result = write_map(plan)
    assert result.warnings == (
        "2 pages of an earlier, longer series remain beside the new ones "
        "(zones-004.png, zones-005.png); delete them if they are out of date",
    )
    assert (tmp_path / "zones-004.png").read_bytes() == b"older series"
    assert (tmp_path / "zones-001.png").read_bytes().startswith(b"\x89PNG")


def test_a_plan_is_what_gets_printed_even_if_the_project_changes(
    demo_project: Project, tmp_path: Path
) -> None:
    """The UI plans on its own thread, then a worker writes while the user works on."""
    target = tmp_path / "map.pdf"
    plan = plan_map(demo_project, target, _options())
    demo_project.layers.by_name("Parcels").visible = False
    write_map(plan)
    assert "Parcels" in pdf_text(target)


def test_a_single_point_prints_at_a_street_scale(tmp_path: Path) -> None:
    import geopandas as gpd
    from shapely.geometry import Point

    from mapdesk.core.layer import VectorLayer

    project = Project()
    project.add_layer(
        VectorLayer(
            gpd.GeoDataFrame(geometry=[Point(-70.2553, 43.6615)], crs="EPSG:4326"), "City Hall"
        )
    )
    target = tmp_path / "hall.pdf"
    export_map(project, target, _options())
    scale = int(pdf_text(target).split("Scale 1:")[1].split()[0].replace(",", ""))
    assert 500 < scale < 5_000


def test_without_a_crs_no_scale_is_claimed(tmp_path: Path) -> None:
    import geopandas as gpd
    from shapely.geometry import Point

    from mapdesk.core.layer import VectorLayer

    project = Project()
    frame = gpd.GeoDataFrame(geometry=[Point(0, 0), Point(500, 300)])  # no .prj: CRS unknown
    project.add_layer(VectorLayer(frame, "Survey marks"))
    target = tmp_path / "marks.pdf"
    export_map(project, target, _options())
    text = pdf_text(target)
    assert "Scale unknown" in text and "Scale 1:" not in text
    assert " ft" not in text and " mi" not in text  # no scale bar


def test_web_mercator_scale_bar_is_true_on_the_ground(
    demo_project: Project, tmp_path: Path
) -> None:
    """EPSG:3857 stretches Maine by 1/cos(43.7°) = 1.38: the printed scale allows for it."""
    from pyproj import CRS, Geod

    from mapdesk.core.crs import transform_xy
    from mapdesk.export.layout.sheet import frame_view

    demo_project.crs = "EPSG:3857"
    target = tmp_path / "mercator.pdf"
    plan = plan_map(demo_project, target, _options())
    write_map(plan)
    printed = int(pdf_text(target).split("Scale 1:")[1].split()[0].replace(",", ""))
    view = plan.sheets[0].map_settings.view
    assert frame_view(plan.boxes.map, view.extent).resolution == pytest.approx(view.resolution)
    half = view.width * view.resolution / 2
    lon, lat = transform_xy(
        [view.center_x - half, view.center_x + half], [view.center_y] * 2, demo_project.crs,
        CRS.from_epsg(4326),
    )  # fmt: skip
    ground = Geod(ellps="WGS84").inv(lon[0], lat[0], lon[1], lat[1])[2]
    paper = plan.boxes.map[2] / 72 * 0.0254  # the frame's width on paper, in metres
    assert printed == pytest.approx(ground / paper, rel=0.01)


def test_the_printed_map_shows_only_what_the_display_filter_shows(
    demo_project: Project, tmp_path: Path
) -> None:
    """A time slider's step on screen is the step on paper (QGIS prints its temporal frame)."""
    fixit = demo_project.layers.by_name("FixIt incidents")
    for layer in demo_project.layers:
        layer.visible = layer is fixit
    page = Page("letter", "landscape")
    x, y, w, h = (round(v * 50 / 72) for v in layout_boxes(page, with_legend=False).map)

    background = np.array([int(demo_project.background[i : i + 2], 16) for i in (1, 3, 5)])

    def painted(path: Path) -> int:
        inside = rgb_array(QImage(str(path)))[y + 3 : y + h - 3, x + 3 : x + w - 3]
        return int((np.abs(inside.astype(int) - background) > 8).any(axis=-1).sum())

    plain, one, none = tmp_path / "plain.png", tmp_path / "one.png", tmp_path / "none.png"
    export_map(demo_project, plain, _options(dpi=50, legend=False, page=page))
    fixit.display_filter.show_only(fixit.data.index, [0], "test: one report")
    export_map(demo_project, one, _options(dpi=50, legend=False, page=page))
    fixit.display_filter.show_only(fixit.data.index, [], "test: no report")
    export_map(demo_project, none, _options(dpi=50, legend=False, page=page))
    # The scale bar and north arrow are inside the frame in all three.
    frame_only = painted(none)
    assert 0 < painted(one) - frame_only < 50  # one report's marker
    assert painted(plain) - frame_only > 5000  # all 5,000
