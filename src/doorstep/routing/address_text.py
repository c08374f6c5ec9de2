"""Address text as the geocoder compares it: one normal form for street and place names, and a free-text address
split into street, house number, postcode and place.

The normal form folds case and accents (``Straße`` and ``Strasse``, ``São`` and ``Sao`` are one), expands the
common abbreviations of the languages Doorstep ships (``Hauptstr.`` is ``Hauptstrasse``, ``R.`` before a name is
``Rua``, ``Av.`` is ``Avenida``, ``Bd`` is ``Boulevard``) and drops punctuation and spaces, so
``Kurfürsten-Anlage`` and ``Kurfuersten Anlage`` differ only where the spelling does.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

# Whole-word abbreviations, after case and accent folding (the key is one token, its dot dropped).
_ABBREVIATIONS = {
    "str": "strasse",
    "av": "avenida",
    "avda": "avenida",
    "bd": "boulevard",
    "bld": "boulevard",
    "bvd": "boulevard",
    "blvd": "boulevard",
    "pr": "praca",
    "pc": "praca",
    "tv": "travessa",
    "lg": "largo",
    "est": "estrada",
    "eng": "engenheiro",
    "dr": "doutor",
    "sta": "santa",
    "sto": "santo",
    "st": "saint",
    "ste": "sainte",
    "ch": "chemin",
    "imp": "impasse",
    "pl": "place",
    "rte": "route",
    "av.": "avenue",
}
# Abbreviations that mean a street type only as the first word ("R. de Cedofeita", "Rua de Cedofeita").
_LEADING = {"r": "rua", "al": "alameda", "bd": "boulevard"}
_FOLD = str.maketrans({"ß": "ss", "ø": "o", "æ": "ae", "œ": "oe", "đ": "d", "ł": "l"})
_UMLAUT_E = re.compile(r"([aou])e")  # "Kurfuersten" as written without umlauts

POSTCODE = re.compile(r"(?<![\w-])(?:[A-Z]{1,2}-)?(\d{4}-\d{3}|\d{5}|\d{4})(?![\w-])")
# Street types after which French (and English) write the number first: "6 Quai Antoine 1er", not "Quai … 6".
NUMBER_FIRST = frozenset(
    {"rue", "avenue", "boulevard", "quai", "place", "chemin", "impasse", "allee", "route", "square", "cours",
     "passage", "esplanade", "promenade", "montee", "descente", "escalier", "rampe", "road", "street", "lane"}
)  # fmt: skip
HOUSE_NUMBER = re.compile(
    r"^\d{1,5}(?:\s?(?:bis|ter|quater|[a-zA-Z]))?(?:\s?[-/]\s?\d{1,5}(?:\s?[a-zA-Z])?)?$", re.IGNORECASE
)  # 12, 12a, 4bis (French), 12-14, 12/1


def fold(text: str) -> str:
    """Lower case, without accents, ``ß`` as ``ss``; punctuation becomes spaces, runs of spaces one."""
    text = unicodedata.normalize("NFKD", text.casefold().translate(_FOLD))
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return " ".join(re.sub(r"[^\w]+", " ", text).split())


def tokens(name: str) -> list[str]:
    """The folded words of a street or place name, abbreviations expanded (``Hauptstr.`` -> ``hauptstrasse``)."""
    words = fold(name).split()
    out: list[str] = []
    for i, w in enumerate(words):
        if i == 0 and w in _LEADING and len(words) > 1:
            out.append(_LEADING[w])
        elif w in _ABBREVIATIONS:
            out.append(_ABBREVIATIONS[w])
        elif len(w) > 4 and w.endswith("str"):
            out.append(w + "asse")  # "Hauptstr" (German compounds)
        else:
            out.append(w)
    return out


def name_key(name: str) -> str:
    """The one form two spellings of a name share: folded words, abbreviations expanded, no spaces."""
    return "".join(tokens(name))


def loose_key(name: str) -> str:
    """``name_key`` with ``ae``/``oe``/``ue`` read as umlauts dropped (``Kurfuersten`` = ``Kurfürsten``)."""
    return loosen(name_key(name))


def loosen(key: str) -> str:
    """A key with ``ae``/``oe``/``ue`` read as umlauts dropped."""
    return _UMLAUT_E.sub(r"\1", key)


def number_key(number: str) -> str:
    """A house number as compared and shown: folded, no spaces, a range or a slash as one hyphen (``12 A`` =
    ``12a``; ``12-14`` and ``12 / 14`` are ``12-14``, not ``1214``)."""
    parts = (fold(p).replace(" ", "") for p in number.replace("/", "-").split("-"))
    return "-".join(p for p in parts if p)


def first_number(number: str) -> int | None:
    """The leading integer of a house number (``12a`` -> 12, ``234-236`` -> 234)."""
    m = re.match(r"\d+", number_key(number))
    return int(m.group()) if m else None


@dataclass(frozen=True, slots=True)
class AddressParts:
    """A free-text address split for the lookup; ``places`` are the other comma-separated parts (town, district,
    country), folded."""

    street: str
    number: str
    postcode: str
    places: tuple[str, ...]


def parse(text: str) -> list[AddressParts]:
    """The readings of ``Hauptstraße 12, 69117 Heidelberg``, ``12 Rue Grimaldi, 98000 Monaco`` or ``Rua de Santa
    Catarina 312, 4000-447 Porto``, likeliest first: the postcode is the last postcode-shaped token outside the
    first part with letters; each part with letters is read as the street in turn, and in it the house number is
    the number at its end, else at its start, else inside it (``Kurfürsten-Anlage 1 Heidelberg``), else none
    (``Rua 25 de Abril`` is read both ways). The lookup keeps the reading whose street exists."""
    parts = [p.strip() for p in re.split(r"[,\n;]", text) if p.strip()]
    street_at = next((i for i, p in enumerate(parts) if re.search(r"[^\W\d_]", p)), 0)
    postcode = ""
    for i in reversed(range(len(parts))):
        m = POSTCODE.search(parts[i])
        if m and not (i == street_at and (_inside_street(parts[i], m) or _number_first(parts[i], m))):
            postcode = m.group(1)
            parts[i] = (parts[i][: m.start()] + " " + parts[i][m.end() :]).strip()
            break
    parts = [p for p in parts if p]
    out: list[AddressParts] = []
    for street_at in [i for i, p in enumerate(parts) if re.search(r"[^\W\d_]", p)]:
        before, after = parts[:street_at], parts[street_at + 1 :]
        for street, number, rest in _splits(parts[street_at]):
            extra_before, extra_after = list(before), list(after)
            if not number and extra_after and HOUSE_NUMBER.match(extra_after[0]):
                number = extra_after.pop(0)  # "Hauptstraße, 12"
            elif not number and extra_before and HOUSE_NUMBER.match(extra_before[-1]):
                number = extra_before.pop()  # "12, Rue Grimaldi"
            places = tuple(f for p in (*extra_before, rest, *extra_after) if (f := fold(p)))
            reading = AddressParts(street.strip(), number.replace(" ", ""), postcode, places)
            if reading.street and reading not in out:
                out.append(reading)
    return out or [AddressParts("", "", postcode, ())]


def _inside_street(part: str, m: re.Match[str]) -> bool:
    """Whether a postcode-shaped match in the street part is that street's house number (``Rua X 4000``) rather than
    a postcode written before the town in the same part (``69117 Heidelberg``)."""
    return m.start() > 0 and bool(re.search(r"[^\W\d_]", part[: m.start()]))


def _number_first(part: str, m: re.Match[str]) -> bool:
    """Whether a four-digit token opening the street part is a house number written before a French or English
    street type (``2541 Avenue Maréchal de Lattre de Tassigny``) rather than a postcode (``6900 Lugano``)."""
    after = fold(part[m.end() :]).split()
    return m.start() == 0 and len(m.group(1)) == 4 and bool(after) and after[0] in NUMBER_FIRST


def _splits(part: str) -> list[tuple[str, str, str]]:
    """(street, house number, what follows) for each place a house number can have in ``part``."""
    words = part.split()
    found: list[tuple[str, str, str]] = []
    i = 0
    while i < len(words):
        w, nxt = words[i], words[i + 1] if i + 1 < len(words) else ""
        if HOUSE_NUMBER.match(w):
            # "12 b" is number 12b; "12 a Rua" / "12 e 14" keep the word ("a" and "e" are words in PT/FR)
            letter = len(nxt) == 1 and nxt.isalpha() and (nxt.lower() not in "aeoy" or i + 2 == len(words))
            number, end = (w + nxt, i + 2) if letter else (w, i + 1)
            found.append((" ".join(words[:i]), number, " ".join(words[end:])))
        i += 1
    ends = [f for f in found if not f[2] and f[0]]
    starts = [(f[2], f[1], "") for f in found if not f[0] and f[2]]
    middle = [f for f in found if f[2] and f[0]]
    return [*ends, *starts, *middle, (part, "", "")]
