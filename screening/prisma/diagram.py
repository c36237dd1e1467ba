"""The PRISMA 2020 flow diagram drawn with matplotlib, written as SVG, PNG or PDF.

The layout follows the published templates (Page et al., BMJ 2021;372:n71): side labels
"Identification", "Screening", "Included"; a yellow banner over the databases-and-registers
column, grey banners over "other methods" and "previous studies"; each box beside the box
it removes records from. The template is picked from the counts: a new or an updated
review (``[prisma] previous_*``), with or without other methods.

Text is measured with the font's outlines and wrapped to fit its box; box heights follow
their text. matplotlib is imported only when a diagram is drawn.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from screening.prisma.counts import PrismaCounts
from screening.prisma.wording import FOOTNOTES, BoxText, box_texts, draft_note

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["DIAGRAM_FORMATS", "Layout", "draw_diagram", "layout_diagram", "write_diagram"]

#: The formats :func:`write_diagram` writes.
DIAGRAM_FORMATS = ("svg", "png", "pdf")

FONT = "DejaVu Sans"  # ships with matplotlib: the same metrics everywhere
SIZE = 8.5  # points, box text
NOTE_SIZE = 6.5  # points, footnotes
LINE = SIZE * 1.3 / 72  # inches per line of box text
PAD = 0.09  # inches inside a box
INDENT = 0.16  # inches per indent level
BOX_W = 2.75  # inches
GAP_X = 0.5  # between a box and the box beside it
GAP_Y = 0.32  # between rows
SIDE_W = 0.32  # the blue side labels
MARGIN = 0.2
YELLOW, GREY, BLUE, LIGHT = "#ffc000", "#d9d9d9", "#a9c4eb", "#f2f2f2"


@dataclass
class Placed:
    """A box with its place (inches from the bottom left) and its wrapped lines."""

    text: BoxText
    x: float
    y: float = 0.0  # bottom
    w: float = BOX_W
    h: float = 0.0
    lines: list[tuple[str, int]] = field(default_factory=list)
    style: str = "box"  # box, header, side


@dataclass
class Layout:
    """Every placed box of a diagram, the figure size and the footnote lines."""

    boxes: dict[str, Placed]
    width: float
    height: float
    notes: list[str]
    draft: str | None = None


_measure_cache: dict[tuple[str, float], float] = {}


def _width(text: str, size: float = SIZE) -> float:
    """The width of ``text`` in inches, measured from the font's outlines."""
    key = (text, size)
    if key not in _measure_cache:
        from matplotlib.font_manager import FontProperties
        from matplotlib.textpath import TextPath

        path = TextPath((0, 0), text, size=size, prop=FontProperties(family=FONT))
        _measure_cache[key] = path.get_extents().width / 72 if text.strip() else 0.0
    return _measure_cache[key]


def _wrap(text: str, width: float, size: float = SIZE) -> list[str]:
    """Greedy word wrap of ``text`` to ``width`` inches (a word longer than it stands alone)."""
    lines: list[str] = []
    current = ""
    for word in text.split(" "):
        candidate = f"{current} {word}" if current else word
        if current and _width(candidate, size) > width:
            lines.append(current)
            current = word
        else:
            current = candidate
    lines.append(current)
    return lines


def _fit(placed: Placed) -> None:
    """Wrap the box's lines to its width (list items hang-indent) and set its height."""
    inner = placed.w - 2 * PAD
    for text, level in placed.text.lines:
        hang = 1 if level and placed.text.align == "left" else 0
        for i, part in enumerate(_wrap(text, inner - (level + hang) * INDENT)):
            placed.lines.append((part, level + hang if i else level))
    placed.h = len(placed.lines) * LINE + 2 * PAD


def layout_diagram(counts: PrismaCounts, *, draft: bool = False) -> Layout:
    """Place every box of the review's template (sizes in inches)."""
    texts = box_texts(counts)
    x = MARGIN + SIDE_W + 0.2
    columns: dict[str, float] = {}
    if counts.updated:
        columns["prev"] = x
        x += BOX_W + GAP_X
    columns["main"] = x
    columns["right"] = x + BOX_W + GAP_X
    x = columns["right"] + BOX_W
    if counts.other_methods:
        columns["other"] = x + GAP_X
        columns["otherright"] = columns["other"] + BOX_W + GAP_X
        x = columns["otherright"] + BOX_W
    width = x + MARGIN
    boxes: dict[str, Placed] = {}
    for key, text in texts.items():
        column = key.split("_")[0]
        if column in ("header", "side"):
            continue
        boxes[key] = Placed(text, columns[column])
        _fit(boxes[key])
    rows = [
        ["identified", "prev"], ["screened"], ["sought"], ["assessed"], ["included"], ["total"]
    ]
    header_h = LINE + 2 * PAD
    y = MARGIN + (LINE * 1.2 if draft else 0.0) + header_h + GAP_Y
    tops: dict[str, float] = {}
    for row in rows:
        members = [b for k, b in boxes.items() if k.split("_")[-1] in row]
        if not members:
            continue
        height = max(b.h for b in members)
        for b in members:  # a row's boxes share its height, so arrows run level
            b.y, b.h = -(y + height), height  # from the top for now; flipped below
        tops[row[0]] = y
        y += height + GAP_Y
    body_bottom = y - GAP_Y
    notes = [line for note in FOOTNOTES for line in _wrap(note, width - 2 * MARGIN, NOTE_SIZE)]
    height = body_bottom + 0.25 + len(notes) * NOTE_SIZE * 1.35 / 72 + MARGIN
    for b in boxes.values():
        b.y += height  # from the bottom
    header_y = height - (MARGIN + (LINE * 1.2 if draft else 0.0) + header_h)
    for key in ("header_main", "header_other", "header_prev"):
        if key not in texts:
            continue
        start = {"header_main": "main", "header_other": "other", "header_prev": "prev"}[key]
        span = BOX_W if start == "prev" else 2 * BOX_W + GAP_X
        boxes[key] = Placed(texts[key], columns[start], header_y, span, header_h,
                            list(texts[key].lines), "header")
    sides = {
        "side_identification": ("identified", "identified"),
        "side_screening": ("screened", "assessed"),
        "side_included": ("included", "total" if counts.updated else "included"),
    }
    for key, (first, last) in sides.items():
        top = height - tops[first]
        bottom = min(b.y for k, b in boxes.items() if k.endswith("_" + last) or k == last)
        boxes[key] = Placed(texts[key], MARGIN, bottom, SIDE_W, top - bottom,
                            list(texts[key].lines), "side")
    return Layout(boxes, width, height, notes, draft_note(counts) if draft else None)


def _arrow(ax: Any, points: list[tuple[float, float]]) -> None:
    for start, end in zip(points[:-2], points[1:-1], strict=True):
        ax.plot([start[0], end[0]], [start[1], end[1]], color="black", lw=0.9,
                solid_capstyle="butt")
    ax.annotate("", xy=points[-1], xytext=points[-2],
                arrowprops={"arrowstyle": "-|>", "color": "black", "lw": 0.9,
                            "shrinkA": 0, "shrinkB": 0, "mutation_scale": 9})


def _connect(ax: Any, boxes: dict[str, Placed], counts: PrismaCounts) -> None:
    def right_of(a: str, b: str) -> None:
        pa, pb = boxes[a], boxes[b]
        yy = pa.y + pa.h / 2
        _arrow(ax, [(pa.x + pa.w, yy), (pb.x, yy)])

    def below(a: str, b: str) -> None:
        pa, pb = boxes[a], boxes[b]
        xx = pa.x + pa.w / 2
        _arrow(ax, [(xx, pa.y), (xx, pb.y + pb.h)])

    main = ["main_identified", "main_screened", "main_sought", "main_assessed", "main_included"]
    for upper, lower in zip(main[:-1], main[1:], strict=True):
        below(upper, lower)
    for step in ("identified", "screened", "sought", "assessed"):
        right_of(f"main_{step}", f"right_{step}")
    if counts.other_methods:
        below("other_identified", "other_sought")
        below("other_sought", "other_assessed")
        right_of("other_sought", "otherright_sought")
        right_of("other_assessed", "otherright_assessed")
        src, dst = boxes["other_assessed"], boxes["main_included"]
        xx, yy = src.x + src.w / 2, dst.y + dst.h / 2
        _arrow(ax, [(xx, src.y), (xx, yy), (dst.x + dst.w, yy)])
    if counts.updated:
        below("main_included", "main_total")
        src, dst = boxes["prev"], boxes["main_total"]
        xx, yy = src.x + src.w / 2, dst.y + dst.h / 2
        _arrow(ax, [(xx, src.y), (xx, yy), (dst.x, yy)])


def draw_diagram(counts: PrismaCounts, *, draft: bool = False) -> Figure:
    """The diagram as a matplotlib Figure (no pyplot: nothing global is touched).

    Each box is a patch with ``gid`` ``box:<key>``, each of its text lines a Text with
    ``gid`` ``text:<key>:<i>``. ``draft`` adds a line saying what awaits a decision.
    """
    from matplotlib.figure import Figure
    from matplotlib.patches import FancyBboxPatch, Rectangle

    layout = layout_diagram(counts, draft=draft)
    fig = Figure(figsize=(layout.width, layout.height), facecolor="white")
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(0, layout.width)
    ax.set_ylim(0, layout.height)
    ax.set_axis_off()
    font = {"family": FONT, "size": SIZE, "color": "black"}
    for key, b in layout.boxes.items():
        if b.style == "box":
            fill = LIGHT if key.startswith(("other", "prev")) else "white"
            patch = Rectangle((b.x, b.y), b.w, b.h, facecolor=fill, edgecolor="black", lw=0.9)
        else:
            fill = BLUE if b.style == "side" else YELLOW if key == "header_main" else GREY
            patch = FancyBboxPatch((b.x, b.y), b.w, b.h, boxstyle="round,pad=0,rounding_size=0.08",
                                   facecolor=fill, edgecolor="none")
        patch.set_gid(f"box:{key}")
        ax.add_patch(patch)
        if b.style == "side":
            text = ax.text(b.x + b.w / 2, b.y + b.h / 2, b.lines[0][0], rotation=90,
                           ha="center", va="center", fontdict={**font, "weight": "bold"})
            text.set_gid(f"text:{key}:0")
            continue
        top = b.y + b.h - PAD - (b.h - 2 * PAD - len(b.lines) * LINE) / 2
        for i, (line, level) in enumerate(b.lines):
            weight = "bold" if b.style == "header" else "normal"
            if b.text.align == "left":
                xx, ha = b.x + PAD + level * INDENT, "left"
            else:
                xx, ha = b.x + b.w / 2, "center"
            text = ax.text(xx, top - i * LINE - LINE / 2, line, ha=ha, va="center",
                           fontdict={**font, "weight": weight})
            text.set_gid(f"text:{key}:{i}")
    _connect(ax, layout.boxes, counts)
    y = min(b.y for b in layout.boxes.values()) - 0.25
    for line in layout.notes:
        ax.text(MARGIN, y, line, ha="left", va="center",
                fontdict={"family": FONT, "size": NOTE_SIZE, "color": "black"})
        y -= NOTE_SIZE * 1.35 / 72
    if layout.draft:
        ax.text(MARGIN, layout.height - MARGIN - LINE / 2, layout.draft, ha="left", va="center",
                fontdict={**font, "weight": "bold", "color": "#c00000"}).set_gid("draft")
    return fig


def write_diagram(
    counts: PrismaCounts,
    target: str | Path | IO[bytes],
    *,
    format: str,
    draft: bool = False,
    dpi: int = 200,
) -> None:
    """Write the diagram as ``format`` (svg, png or pdf) to a path or binary file."""
    import matplotlib

    if format not in DIAGRAM_FORMATS:
        raise ValueError(f"unknown diagram format {format!r}; one of: {', '.join(DIAGRAM_FORMATS)}")
    fig = draw_diagram(counts, draft=draft)
    metadata: dict[str, Any] = {
        "svg": {"Date": None},
        "pdf": {"CreationDate": None, "ModDate": None},
        "png": {},
    }[format]
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "litsieve"}):
        fig.savefig(target, format=format, dpi=dpi, metadata=metadata, facecolor="white")
