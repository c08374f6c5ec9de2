"""The load sheet of a route as a printable A4 PDF (fpdf2, pure Python): a header with the vehicle, driver,
departure and when picking must be done; a picture of the cargo space (the stop numbers from the cab to the rear
door, in loading order); the parcels to load in that order with their barcodes; what comes back; the totals.

Text is set in Roboto (the ``font-roboto`` package: Latin, Greek and Cyrillic), embedded and subset, so names
like "João Gonçalves" or "Jürgen Weiß" print as written on any printer.
"""

from __future__ import annotations

from collections.abc import Sequence
from importlib.resources import files
from pathlib import Path

from fpdf import FPDF

from doorstep.domain.loading import Parcel, Trip
from doorstep.formats.load_sheet import LoadSheet
from doorstep.formats.plan_common import hhmm

FONT = "Roboto"
BOX_W, BOX_H = 11.0, 9.0  # one parcel in the cargo-space picture (mm)
GREY = (225, 228, 235)


def _font_file(name: str) -> str:
    return str(files("font_roboto") / "files" / f"{name}.ttf")


class _Sheet(FPDF):
    """A4 portrait with a footer naming the route and the page."""

    def __init__(self, title: str) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self.title_text = title
        self.add_font(FONT, "", _font_file("Roboto-Regular"))
        self.add_font(FONT, "B", _font_file("Roboto-Bold"))
        self.set_auto_page_break(auto=True, margin=14)
        self.set_margins(12, 12, 12)
        self.set_title(title)
        self.set_creator("Doorstep")

    def footer(self) -> None:
        self.set_y(-10)
        self.set_font(FONT, "", 8)
        self.cell(0, 5, f"{self.title_text} · page {self.page_no()}/{{nb}}", align="C")


def _header(pdf: _Sheet, sheet: LoadSheet) -> None:
    plan = sheet.plan
    pdf.set_font(FONT, "B", 16)
    pdf.cell(0, 9, f"Load sheet · {plan.vehicle} · {sheet.day}", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, "", 10)
    first = plan.trips[0].number if plan.trips else 1
    dock = plan.trips[0].dock if plan.trips else None
    lines = [
        f"Route {sheet.route_id} · depot {sheet.depot or '-'} · driver {sheet.driver or 'not assigned'}",
        f"Departure {hhmm(plan.departure, sheet.tz) or '-'}{f' from dock {dock}' if dock else ''} · picking done by "
        f"{hhmm(sheet.release_of(first), sheet.tz) or '-'} · {len(plan.loads)} parcels to load, "
        f"{len(plan.collected)} to collect",
        "Loaded: " + (_amounts(plan.totals(), plan.capacity) or "-"),
    ]
    for line in lines:
        pdf.cell(0, 5.5, line, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)


def _amounts(amounts: dict[str, int], capacity: dict[str, int] | object) -> str:
    cap = capacity if isinstance(capacity, dict) else {}
    return ", ".join(f"{d} {v}" + (f" of {cap[d]}" if d in cap else "") for d, v in amounts.items())


def _strip(pdf: _Sheet, sheet: LoadSheet, trip: Trip) -> None:
    """The cargo space as a strip of boxes: the cab on the left, the rear door on the right; boxes in loading
    order, so the first loaded is at the cab and the first delivered at the door."""
    pdf.set_font(FONT, "B", 10)
    dep = hhmm(trip.departure, sheet.tz)
    release = hhmm(sheet.release_of(trip.number), sheet.tz)
    when = f" (picking done by {release}, leaves {dep})" if dep and release else (f" (leaves {dep})" if dep else "")
    when += f" at dock {trip.dock}" if trip.dock else ""
    title = f"Cargo space, trip {trip.number}{when}: load from the cab end"
    pdf.cell(0, 6, title, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, "", 9)
    per_row = int((pdf.epw - 2 * 16) // BOX_W)
    stops: list[int | None] = [p.stop_no for p in trip.parcels] or [None]
    for start in range(0, len(stops), per_row):
        chunk = stops[start : start + per_row]
        pdf.set_fill_color(*GREY)
        pdf.cell(16, BOX_H, "CAB" if start == 0 else "…", border=1, align="C", fill=True)
        for no in chunk:
            pdf.cell(BOX_W, BOX_H, "" if no is None else str(no), border=1, align="C")
        last = start + per_row >= len(stops)
        pdf.cell(16, BOX_H, "DOOR" if last else "…", border=1, align="C", fill=True, new_x="LMARGIN", new_y="NEXT")
    pdf.set_fill_color(255, 255, 255)
    pdf.ln(2)


LINE_H, PAD = 3.6, 1.0  # table text line height and cell padding (mm)


def _wrap(pdf: _Sheet, text: str, width: float) -> list[str]:
    """``text`` broken into lines no wider than ``width`` (at spaces; a word too long is cut)."""
    out: list[str] = []
    for para in text.split("\n"):
        line = ""
        for word in para.split(" "):
            trial = f"{line} {word}" if line else word
            if pdf.get_string_width(trial) <= width:
                line = trial
                continue
            if line:
                out.append(line)
            while pdf.get_string_width(word) > width and len(word) > 1:
                cut = len(word) - 1
                while cut > 1 and pdf.get_string_width(word[:cut]) > width:
                    cut -= 1
                out.append(word[:cut])
                word = word[cut:]
            line = word
        out.append(line)
    return out


def _row(pdf: _Sheet, widths: Sequence[float], cells: Sequence[str], head: Sequence[str] | None) -> None:
    """One table row of bordered cells, on a new page (below the repeated heading) when it does not fit; ``head``
    None draws the heading row itself (bold, shaded). Cells are drawn directly: fpdf2's table takes ~10 ms a row."""
    lines = [_wrap(pdf, c, w - 2 * PAD) for c, w in zip(cells, widths, strict=True)]
    h = max(len(col) for col in lines) * LINE_H + 2 * PAD
    if head is not None and pdf.get_y() + h > pdf.page_break_trigger:
        pdf.add_page()
        _row(pdf, widths, head, None)
    pdf.set_font(FONT, "B" if head is None else "", 8)
    x, y = pdf.l_margin, pdf.get_y()
    pdf.set_fill_color(*(GREY if head is None else (255, 255, 255)))
    for col, w in zip(lines, widths, strict=True):
        pdf.rect(x, y, w, h, style="DF")
        for k, text in enumerate(col):
            pdf.text(x + PAD, y + PAD + (k + 1) * LINE_H - 0.9, text)
        x += w
    pdf.set_y(y + h)


def _table(pdf: _Sheet, sheet: LoadSheet, heads: Sequence[str], body: list[list[str]]) -> None:
    dims = sheet.plan.dimensions
    first: tuple[int, ...] = (11, 11, 22, 46, 32, 14, 10) if heads[0] == "Load" else (11, 14, 22, 48, 34, 14)
    relative = first + (14,) * len(dims)
    widths = [w * pdf.epw / sum(relative) for w in relative]
    head = [*heads, *(d.replace("_", " ") for d in dims)]  # "weight g" wraps at the space
    _row(pdf, widths, head, None)
    for cells in body:
        _row(pdf, widths, cells, head)
    pdf.set_font(FONT, "", 8)
    pdf.ln(3)


def _load_row(k: int, p: Parcel, dims: Sequence[str]) -> list[str]:
    who = "\n".join(x for x in (p.name, p.address) if x)
    return [str(k), str(p.stop_no), p.external_ref or p.order_id, who or "-", "\n".join(p.barcodes) or "no barcode",
            p.shelf, str(p.trip)] + [str(int(p.size.get(d, 0))) for d in dims]  # fmt: skip


def load_sheet_pdf(sheet: LoadSheet) -> bytes:
    """The PDF document as bytes."""
    plan = sheet.plan
    pdf = _Sheet(f"Load sheet {plan.vehicle} {sheet.day}")
    pdf.alias_nb_pages()
    pdf.add_page()
    _header(pdf, sheet)
    for trip in plan.trips:
        _strip(pdf, sheet, trip)
    pdf.set_font(FONT, "B", 11)
    pdf.cell(0, 7, "To load (first row goes in first)", new_x="LMARGIN", new_y="NEXT")
    body = [_load_row(k, p, plan.dimensions) for k, p in enumerate(plan.loads, start=1)]
    body.append(["", "", "Total", "", "", "", ""] + [str(v) for v in plan.totals().values()])
    _table(pdf, sheet, ("Load", "Stop", "Order", "Customer / address", "Barcodes", "Shelf", "Trip"), body)
    if plan.collected:
        pdf.set_font(FONT, "B", 11)
        pdf.cell(0, 7, "Collected on the way (comes back, not loaded)", new_x="LMARGIN", new_y="NEXT")
        rows = [
            [str(p.stop_no), p.kind, p.external_ref or p.order_id, "\n".join(x for x in (p.name, p.address) if x),
             "\n".join(p.barcodes), ""] + [str(int(p.size.get(d, 0))) for d in plan.dimensions]
            for p in plan.collected
        ]  # fmt: skip
        _table(pdf, sheet, ("Stop", "Kind", "Order", "Customer / address", "Barcodes", "Shelf"), rows)
    return bytes(pdf.output())


def write_load_sheet_pdf(path: Path, sheet: LoadSheet) -> None:
    """Write the PDF file."""
    path.write_bytes(load_sheet_pdf(sheet))
