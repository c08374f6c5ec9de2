"""The load sheet as CSV (exact content: reverse stop order per trip, collections apart, totals) and as PDF (rendered
with pdftoppm, its text read back with pdftotext to check the loading order and the Unicode names)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from doorstep.formats.load_sheet import load_sheet_csv, write_load_sheet_csv
from doorstep.formats.load_sheet_pdf import load_sheet_pdf
from tests.formats.load_day import sheet

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "load-sheet"
NO_POPPLER = "pdftoppm/pdftotext not installed: apt-get install poppler-utils (CI installs it)"

EXPECTED = """\
section,load_seq,trip,stop_no,order_ref,order_id,kind,customer,address,barcodes,shelf,departure,release,parcels,weight_g,volume_cm3
load,1,1,6,R-4,ord_4,delivery,Maria Conceição,Rua 4,,,08:15,08:01,1,800,0
load,2,1,3,R-2,ord_2,delivery,Jürgen Weiß,Rua 2,BK-2,,08:15,08:01,1,1200,9000
load,3,1,1,R-1,ord_1,delivery,João Gonçalves,Rua 1,EAN-1 BAG-1,,08:15,08:01,2,3000,0
load,4,2,7,R-6,ord_6,delivery,Größe Straße,Rua 6,EAN-1,,11:30,11:19,1,700,0
collect,,1,2,R-3,ord_3,return,Ana Martins,Rua 3,RT-3,,,,1,500,0
collect,,1,4,R-5,ord_5,paired,Loja Ótica,Rua 5,,,,,1,400,0
total_load,,,,,,,,,,,,,5,5700,9000
total_collect,,,,,,,,,,,,,2,900,0
capacity,,,,,,,,,,,,,10,20000,
"""


def test_csv_lists_parcels_in_reverse_stop_order_per_trip_with_totals() -> None:
    """Trip 1 loads stops 6, 3, 1 (the last delivered first), trip 2 (after the reload) stop 7; the return and the
    store-to-door order are listed apart; totals per dimension and the van's capacity close the sheet; the release
    is the departure minus 60 s per box and 600 s at the dock (08:15 - 4 boxes - 10 min = 08:01)."""
    assert load_sheet_csv(sheet()) == EXPECTED


def test_csv_file_has_a_byte_order_mark_and_neutralises_formulas(tmp_path: Path) -> None:
    """The file opens in spreadsheets with accents intact, and a customer name starting with '=' is text."""
    from dataclasses import replace

    s = sheet()
    first = s.plan.trips[0]
    evil = replace(first.parcels[0], name="=HYPERLINK(1)")
    s = replace(s, plan=replace(s.plan, trips=(replace(first, parcels=(evil, *first.parcels[1:])), *s.plan.trips[1:])))
    path = tmp_path / "rte_1.csv"
    write_load_sheet_csv(path, s)
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    assert raw.decode("utf-8-sig").splitlines()[1].split(",")[7] == "'=HYPERLINK(1)"


def _poppler() -> None:
    if shutil.which("pdftoppm") is None or shutil.which("pdftotext") is None:
        pytest.skip(NO_POPPLER)


def test_pdf_renders_and_reads_back_in_loading_order(tmp_path: Path) -> None:
    """The A4 PDF renders to a PNG page (pdftoppm), and its text (pdftotext -layout) shows the header with the
    Unicode names, the cargo strip from the cab to the door in loading order (6 3 1, then 7) and the parcel
    rows in loading order R-4, R-2, R-1, R-6 before the collected R-3 and R-5."""
    _poppler()
    pdf = tmp_path / "rte_1.pdf"
    pdf.write_bytes(load_sheet_pdf(sheet()))
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    subprocess.run(["pdftoppm", "-png", "-r", "80", "-singlefile", str(pdf), str(ARTIFACTS / "rte_1")], check=True)
    png = (ARTIFACTS / "rte_1.png").read_bytes()
    assert png.startswith(b"\x89PNG") and len(png) > 10_000
    info = subprocess.run(["pdfinfo", str(pdf)], check=True, capture_output=True, text=True).stdout
    assert "x 841.89 pts (A4)" in info
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True, text=True).stdout
    lines = [" ".join(line.split()) for line in text.splitlines() if line.strip()]
    assert lines[:3] == [
        "Load sheet · Carrinha Ágil · 2025-06-17",
        "Route rte_1 · depot Armazém Norte · driver Zoë Müller",
        "Departure 08:15 · picking done by 08:01 · 4 parcels to load, 2 to collect",
    ]
    assert [line for line in lines if line.startswith("CAB")] == ["CAB 6 3 1 DOOR", "CAB 7 DOOR"]
    refs = [w for line in lines for w in line.split() if w.startswith("R-")]
    assert refs == ["R-4", "R-2", "R-1", "R-6", "R-3", "R-5"]
    for name in ("Maria Conceição", "Jürgen Weiß", "João Gonçalves", "Größe Straße", "Loja Ótica"):
        assert name in text
