"""What Doorstep's own SMS cost in billed parts: every customer trigger's packaged template in every language,
filled in with the preview's sample delivery (``notify.preview.sample_facts``), counted as providers bill them
(``notify.sms_length``: GSM-7 160/153 characters a part, UCS-2 70/67 units) — as the template renders it and as
it is sent (``gsm_friendly``: typographic punctuation and spaces in their GSM look-alikes, letters kept), side by
side. Prints a table per language and writes benchmarks/results/sms-parts.json.

    .venv/bin/python benchmarks/sms_parts.py
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from doorstep.notify.compose import variables
from doorstep.notify.preview import sample_facts
from doorstep.notify.render import packaged
from doorstep.notify.rules import Sender
from doorstep.notify.sms_length import GSM_BASIC, GSM_EXTENDED, sms_length
from doorstep.notify.triggers import CUSTOMER_TRIGGERS, LANGUAGES
from machine import machine_info

OUT = Path(__file__).resolve().parent / "results" / "sms-parts.json"


def measure() -> list[dict[str, Any]]:
    """One row per trigger and language: the text as rendered and as sent, each with encoding, units, parts."""
    rows = []
    for language in LANGUAGES:
        for trigger in CUSTOMER_TRIGGERS:
            facts = sample_facts(trigger, language, Sender(), "Loja", "https://track.example")
            rendered = packaged(trigger, language).sections["sms"].render(**variables(facts)).strip()
            sent = packaged(trigger, language).render(language, variables(facts)).sms
            before, after = sms_length(rendered), sms_length(sent)
            outside = sorted({c for c in sent if c not in GSM_BASIC and c not in GSM_EXTENDED})
            rows.append({
                "language": language, "trigger": trigger.value,
                "rendered": {"encoding": before.encoding, "units": before.units, "parts": before.parts},
                "sent": {"encoding": after.encoding, "units": after.units, "parts": after.parts},
                "outside_gsm": "".join(outside),
            })  # fmt: skip
    return rows


def main() -> None:
    rows = measure()
    console = Console()
    table = Table(title="Doorstep's SMS, sample delivery: billed parts as rendered and as sent")
    cols = ("language", "texts", "parts rendered", "parts sent", "UCS-2 rendered", "UCS-2 sent", "left outside GSM")
    for col in cols:
        table.add_column(col, justify="left" if col in ("language", "left outside GSM") else "right")
    for language in LANGUAGES:
        mine = [r for r in rows if r["language"] == language]
        table.add_row(
            language, str(len(mine)), str(sum(r["rendered"]["parts"] for r in mine)),
            str(sum(r["sent"]["parts"] for r in mine)),
            str(sum(r["rendered"]["encoding"] == "UCS-2" for r in mine)),
            str(sum(r["sent"]["encoding"] == "UCS-2" for r in mine)),
            "".join(sorted({c for r in mine for c in r["outside_gsm"]})),
        )  # fmt: skip
    total = {k: sum(r[k]["parts"] for r in rows) for k in ("rendered", "sent")}
    table.add_row("all", str(len(rows)), str(total["rendered"]), str(total["sent"]),
                  str(sum(r["rendered"]["encoding"] == "UCS-2" for r in rows)),
                  str(sum(r["sent"]["encoding"] == "UCS-2" for r in rows)), "")  # fmt: skip
    console.print(table)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps({"benchmark": "sms-parts", "machine": machine_info(), "totals": total, "rows": rows},
                              indent=1, ensure_ascii=False))  # fmt: skip
    console.print(f"written {OUT}")


if __name__ == "__main__":
    main()
