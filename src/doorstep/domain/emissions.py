"""CO2e emission factors per vehicle-kilometre by fuel: the one place the CO2-per-delivery figure takes them from.

Source and method (docs/analytics.md repeats them): a factor is the fuel's emission factor times the energy a
delivery van uses per kilometre.

- Fuel factors, kg CO2e per unit, from the UK Government GHG Conversion Factors for Company Reporting
  (DESNZ/DEFRA, as tabulated by the Energy Saving Trust's fleet decarbonisation toolkit): diesel (average biofuel
  blend) 2.51 kg/litre, petrol 2.10 kg/litre, UK grid electricity 0.212 kg/kWh plus 0.017 kg/kWh for
  transmission and distribution.
- Energy per kilometre of a light commercial vehicle up to 3.5 t (an assumption of ours, typical urban delivery
  duty): diesel 9.0 litres/100 km, petrol 10.5 litres/100 km, electric 0.25 kWh/km.

So: diesel 2510 × 0.090 = 225.9 g/km, petrol 2100 × 0.105 = 220.5 g/km, electric (212 + 17) × 0.25 = 57.25 g/km;
``none`` (cargo bike, on foot) 0. A vehicle type without a fuel counts as diesel, the most common delivery van.
These are defaults for comparing days and fleets, not an audited footprint (the GLEC Framework's default
intensities are per tonne-km and need the payload; use them with real loads for reporting).
"""

from __future__ import annotations

from enum import StrEnum


class Fuel(StrEnum):
    """What a vehicle type runs on (``vehicle_types.fuel``)."""

    DIESEL = "diesel"
    PETROL = "petrol"
    ELECTRIC = "electric"
    NONE = "none"  # human-powered: cargo bikes, walkers


DEFAULT_FUEL = Fuel.DIESEL

# g CO2e per vehicle-km (see the module docstring for the source and the arithmetic)
G_CO2E_PER_KM: dict[Fuel, float] = {
    Fuel.DIESEL: 2510 * 0.090,
    Fuel.PETROL: 2100 * 0.105,
    Fuel.ELECTRIC: (212 + 17) * 0.25,
    Fuel.NONE: 0.0,
}

SOURCE = (
    "UK Government GHG Conversion Factors for Company Reporting (fuel and grid factors) times typical delivery-van "
    "consumption (diesel 9.0 l/100 km, petrol 10.5 l/100 km, electric 0.25 kWh/km); see docs/analytics.md"
)


def factor(fuel: str | None) -> float:
    """g CO2e per km for a vehicle type's fuel (unset or unknown: the diesel van)."""
    try:
        return G_CO2E_PER_KM[Fuel(fuel)] if fuel else G_CO2E_PER_KM[DEFAULT_FUEL]
    except ValueError:
        return G_CO2E_PER_KM[DEFAULT_FUEL]


def co2_g(distance_m: int, fuel: str | None) -> int:
    """Grams of CO2e for driving ``distance_m`` with a vehicle of this fuel (rounded to the gram)."""
    return round(factor(fuel) * distance_m / 1000)


def g_to_kg(grams: int) -> float:
    """Grams as kilograms with gram precision, the unit plans report (``co2_kg``)."""
    return round(grams / 1000, 3)
