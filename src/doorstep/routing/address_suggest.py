"""Addresses suggested while someone types (a typeahead): the streets a partial text may begin, then that street's
house numbers, from the same address index the geocoder reads (``routing.address_lookup``).

A street matches when the typed street part (folded like the geocoder's keys, umlauts read loosely) begins its
name or one of its later words (``Santa Cat`` finds ``Rua de Santa Catarina``); the word being typed is also
tried unexpanded, so ``Av`` still begins ``Avenue`` although a finished ``Av.`` means ``Avenida``. Streets whose
places or postcodes the rest of the text names (``…, Heid``, ``69117 …``) come first, then those matched from the
start of the name, then the nearer to the places given (the organization's depots), then the shorter name. With a
house number typed, the houses of the best streets whose number begins with it are listed in number order; a
number no house begins gets the geocoder's own placement (between known numbers, or the street).

Each suggestion carries the ``text`` to put in the field: street, number, postcode and town, which the geocoder
places at the suggestion's own location (``benchmarks/geocode.py`` measures how often)."""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from doorstep.domain.geo import LatLng, haversine_m
from doorstep.routing.address_text import NUMBER_FIRST, fold, loose_key, loosen, tokens

MIN_KEY_CHARS = 2  # fewer letters match too much to be of use
MAX_SCAN = 2_000  # index entries read for one prefix (a three-letter prefix of a city's streets: "Rua")
RANKED_PER_SUGGESTION = 10  # best hits kept per suggestion asked for (pieces of one street share a name)
MAX_LIMIT = 20
STREETS_FOR_NUMBERS = 3
 # the best streets whose houses are listed when a number is typed


@dataclass(frozen=True, slots=True)
class StreetRef:
    """What a suggestion needs of one indexed street."""

    id: int
    name: str
    at: LatLng
    places: frozenset[str]
    postcodes: frozenset[str]
    label_place: str
    postcode: str  # the one its house numbers name most ("" when none)


@dataclass(frozen=True, slots=True)
class StreetHit:
    """A street a prefix matched: from the start of its name (``word`` 0) or from a later word; ``whole`` when the
    typed text is all of that name (or of those words), so a number after it is a house number."""

    street: StreetRef
    word: int
    whole: bool


class StreetPrefixes:
    """Every street under the loose key of its name and of each of its later word runs, sorted for prefix search."""

    def __init__(self, streets: Iterable[StreetRef]) -> None:
        entries: list[tuple[str, int, int]] = []
        self._streets: dict[int, StreetRef] = {}
        for s in streets:
            self._streets[s.id] = s
            words = tokens(s.name)
            for i in range(len(words)):
                entries.append((loose_key(" ".join(words[i:])), i, s.id))
        entries.sort()
        self._keys = [e[0] for e in entries]
        self._entries = entries

    def find(self, prefixes: Sequence[str]) -> list[StreetHit]:
        """The streets any of ``prefixes`` (loose keys) begins, each once with its earliest matching word."""
        best: dict[int, tuple[int, bool]] = {}
        for prefix in prefixes:
            if len(prefix) < MIN_KEY_CHARS:
                continue
            at = bisect.bisect_left(self._keys, prefix)
            for key, word, sid in self._entries[at : at + MAX_SCAN]:
                if not key.startswith(prefix):
                    break
                old_word, old_whole = best.get(sid, (1 << 30, False))
                best[sid] = min(word, old_word), old_whole or key == prefix
        return [StreetHit(self._streets[sid], word, whole) for sid, (word, whole) in best.items()]


def typed_keys(street: str) -> list[str]:
    """The loose keys a partly typed street name may begin: as the geocoder reads it, and with the word being typed
    left unexpanded (``Av`` may begin ``Avenue`` although a finished ``Av.`` is ``Avenida``)."""
    words, read = fold(street).split(), tokens(street)
    if not words:
        return []
    raw = loosen("".join(read[:-1]) + words[-1])  # ``tokens`` gives one word for each word
    return list(dict.fromkeys(k for k in (loose_key(street), raw) if k))


def hinted(street: StreetRef, postcode: str, places: Sequence[str]) -> bool:
    """Whether the rest of the text names one of the street's places or postcodes (a place word may be partly
    typed: ``heid`` names Heidelberg)."""
    if postcode and postcode in street.postcodes:
        return True
    words = [w for p in places for w in p.split() if len(w) > 1]
    return any(pw.startswith(w) for w in words for pw in street.places)


RankKey = tuple[bool, bool, bool, float, int, str]


def rank_key(hit: StreetHit, hint: bool, near: Sequence[LatLng]) -> RankKey:
    """Hinted streets first, then those matched from the start, then those whose whole name was typed, then the
    nearest to ``near`` (by 100 m), the shortest name."""
    far = min((haversine_m(hit.street.at, n) for n in near), default=0.0)
    return (not hint, hit.word > 0, not hit.whole, round(far, -2), len(hit.street.name), hit.street.name)


def street_text(s: StreetRef, number: str = "", postcode: str = "", town: str = "") -> str:
    """What the field should hold for a street or one of its houses, the number where its language puts it:
    ``Hauptstraße 12, 69117 Heidelberg``, ``6 Quai Antoine 1er, 98000 Monaco``."""
    town = town or town_of(s.label_place)
    code = postcode or s.postcode
    place = " ".join(p for p in (code, town if town != code else "") if p)
    first_word = (fold(s.name).split() or [""])[0]
    line = f"{number} {s.name}" if first_word in NUMBER_FIRST else f"{s.name} {number}"
    return line.strip() + (f", {place}" if place else "")


def town_of(label_place: str) -> str:
    """The town of a street's label (``Altstadt, Heidelberg`` -> ``Heidelberg``; a postcode-only label -> "")."""
    last = label_place.rsplit(",", 1)[-1].strip()
    return "" if not last or last[0].isdigit() else last
