"""The cities of the last-mile benchmark: extract, service area, depot sites, and where things are cached.

Service areas are discs around the city centre; depots sit at the edge, as parcel hubs do (industrial zones).
Coordinates are rounded to 1e-6 degrees everywhere so that a place is the same point in every file.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
OSM = REPO.parent / "shared" / "osm"
NETWORKS = HERE / ".networks"
DAYS = HERE / ".days"
SIZES = (100, 200, 500, 1000, 2000)
ATTRIBUTION = "© OpenStreetMap contributors (ODbL 1.0)"


@dataclass(frozen=True, slots=True)
class City:
    """One benchmark city: the OSM extract, the disc of addresses, and depot sites (lat, lng) to snap."""

    name: str
    pbf: str
    centre: tuple[float, float]
    radius_km: float
    depots: tuple[tuple[float, float], tuple[float, float]]
    max_size: int = 2000

    def radius_for(self, size: int) -> float:
        """The disc a day of ``size`` orders covers: half the city at 250 orders or fewer, all of it from 1,000."""
        return self.radius_km * min(1.0, max(0.5, math.sqrt(size / 1000)))

    @property
    def extract(self) -> Path:
        """The shared .osm.pbf file."""
        return OSM / self.pbf

    @property
    def network_dir(self) -> Path:
        """Where ``doorstep network build`` puts this city's car network."""
        return NETWORKS / self.name


CITIES: dict[str, City] = {
    "heidelberg": City(
        "heidelberg",
        "heidelberg.osm.pbf",
        centre=(49.4050, 8.6800),
        radius_km=6.0,
        depots=((49.4060, 8.6440), (49.3790, 8.6830)),  # Pfaffengrund, Rohrbach-Süd
    ),
    "porto": City(
        "porto",
        "porto_portugal.osm.pbf",
        centre=(41.1579, -8.6291),
        radius_km=6.0,
        depots=((41.1760, -8.6560), (41.1230, -8.5950)),  # Ramalde, Vila Nova de Gaia east
    ),
    "monaco": City(
        "monaco",
        "monaco.osm.pbf",
        centre=(43.7384, 7.4246),
        radius_km=2.5,
        depots=((43.7290, 7.4160), (43.7480, 7.4330)),  # Fontvieille, Larvotto side
        max_size=500,  # the extract is one small town: a 1,000-stop day would be unrealistic
    ),
}


def km_between(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Equirectangular distance in km (plenty for a city)."""
    lat = math.radians((a[0] + b[0]) / 2)
    return math.hypot((a[0] - b[0]) * 111.2, (a[1] - b[1]) * 111.2 * math.cos(lat))


def day_path(city: str, size: int, seed: int) -> Path:
    """The VROOM problem JSON of one (city, size, seed)."""
    return DAYS / f"{city}-{size}-s{seed}.json"
