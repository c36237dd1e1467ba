"""The PRISMA 2020 diagram: each template variant rendered, text inside its boxes."""

from __future__ import annotations

import dataclasses
import struct
import zlib
from pathlib import Path

import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg

from screening.prisma import draw_diagram, write_diagram
from screening.prisma.diagram import layout_diagram
from tests.screening.prisma.builders import NEW, OTHER

VARIANTS = {
    "new": NEW,
    "new-other": OTHER,
    "updated": dataclasses.replace(NEW, previous_studies=12, previous_reports=15),
    "updated-other": dataclasses.replace(OTHER, previous_studies=12, previous_reports=15),
}


def _png_size_and_ink(data: bytes) -> tuple[int, int, int]:
    """Width, height and the number of non-white bytes of an 8-bit RGB(A) PNG."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height, depth, colour = struct.unpack(">IIBB", data[16:26])
    assert depth == 8 and colour in (2, 6)
    chunks, pos = [], 8
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos:pos + 4])
        if data[pos + 4:pos + 8] == b"IDAT":
            chunks.append(data[pos + 8:pos + 8 + length])
        pos += 12 + length
    raw = zlib.decompress(b"".join(chunks))
    ink = len(raw) - raw.count(b"\xff") - height  # minus each row's filter byte (approx.)
    return width, height, ink


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_png_is_rendered_with_size_and_content(variant: str, tmp_path: Path) -> None:
    target = tmp_path / f"{variant}.png"
    write_diagram(VARIANTS[variant], target, format="png", dpi=100)
    width, height, ink = _png_size_and_ink(target.read_bytes())
    layout = layout_diagram(VARIANTS[variant])
    assert abs(width - layout.width * 100) <= 1 and abs(height - layout.height * 100) <= 1
    assert 600 < width < 2000 and 700 < height < 1400
    assert ink > 20_000  # boxes, arrows and text, not a blank page


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_every_line_of_text_is_inside_its_box_and_boxes_do_not_overlap(variant: str) -> None:
    counts = VARIANTS[variant]
    fig = draw_diagram(counts, draft=True)
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    renderer = canvas.get_renderer()
    ax = fig.axes[0]
    patches = {p.get_gid()[4:]: p.get_window_extent(renderer) for p in ax.patches}
    texts = [t for t in ax.texts if (t.get_gid() or "").startswith("text:")]
    assert len(texts) > 30
    for text in texts:
        key = text.get_gid().split(":")[1]
        box, extent = patches[key], text.get_window_extent(renderer)
        assert box.x0 <= extent.x0 and extent.x1 <= box.x1, (key, text.get_text())
        assert box.y0 <= extent.y0 and extent.y1 <= box.y1, (key, text.get_text())
    keys = sorted(patches)
    for i, a in enumerate(keys):
        for b in keys[i + 1:]:
            assert not patches[a].overlaps(patches[b]), (a, b)
    words = " ".join(t.get_text() for t in ax.texts)
    for phrase in ("Records identified from*:", "Records removed before screening:",
                   "Records screened", "Records excluded**", "Reports sought for retrieval",
                   "Reports not retrieved", "Reports assessed for eligibility",
                   "Reports excluded:", "Identification", "Screening", "Included",
                   "MEDLINE (n\u00a0=\u00a0412)", "Not a randomised controlled trial",
                   "BMJ 2021;372:n71"):
        assert phrase in words, phrase
    updated, other = variant.startswith("updated"), variant.endswith("other")
    assert ("Previous studies" in words) == updated
    assert ("Total studies included in review" in words) == updated
    assert ("Reports of new included studies" in words) == updated
    assert ("Studies included in review" in words) == (not updated)
    assert ("Identification of new studies via databases and registers" in words) == updated
    assert ("Citation searching (n\u00a0=\u00a012)" in words) == other
    assert ("by automation tools (n\u00a0=\u00a010)" in words)


def test_svg_and_pdf(tmp_path: Path) -> None:
    write_diagram(NEW, tmp_path / "d.svg", format="svg")
    svg = (tmp_path / "d.svg").read_text(encoding="utf-8")
    assert svg.lstrip().startswith("<?xml") and "<svg" in svg
    assert "Reports assessed for eligibility" in svg  # text kept as text
    write_diagram(NEW, tmp_path / "d.pdf", format="pdf")
    assert (tmp_path / "d.pdf").read_bytes()[:5] == b"%PDF-"
    # the same counts give the same bytes (no dates, fixed ids)
    write_diagram(NEW, tmp_path / "again.svg", format="svg")
    assert (tmp_path / "again.svg").read_text(encoding="utf-8") == svg


def test_draft_diagram_says_what_awaits_a_decision() -> None:
    counts = dataclasses.replace(NEW, awaiting_screening=3, dbr_awaiting_retrieval=1)
    fig = draw_diagram(counts, draft=True)
    (note,) = [t for t in fig.axes[0].texts if t.get_gid() == "draft"]
    assert note.get_text() == ("DRAFT: 3 records await title/abstract screening; "
                               "1 report has no full-text decision")


def test_unknown_format_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"^unknown diagram format 'gif'; one of: svg, png, pdf"):
        write_diagram(NEW, tmp_path / "d.gif", format="gif")
