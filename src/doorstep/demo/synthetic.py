"""A realistic, deterministic demo day in Lisbon: a hub in the eastern port area, ten vans, ~300 orders.

Everything is synthetic (names, phone numbers, house numbers); neighbourhood centres and street names are
Lisbon's, and points are kept on land (north of the Tagus bank, west of the river at Parque das Nações).
"""

from __future__ import annotations

import random
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from doorstep.domain.fleet import Break, Depot, Vehicle, VehicleType
from doorstep.domain.geo import LatLng
from doorstep.domain.ids import derived_id
from doorstep.domain.orders import Contact, Item, Order, OrderKind, PairedPickup, Priority, TimeWindow
from doorstep.domain.problem import Problem

TIMEZONE = "Europe/Lisbon"
DEMO_DATE = date(2025, 6, 17)  # a Tuesday; fixed so a seed always gives the same day
MIN_LAT, MAX_LAT, MIN_LNG, MAX_LNG = 38.703, 38.795, -9.225, -9.093  # Lisbon on land, away from the river


@dataclass(frozen=True, slots=True)
class Hood:
    """A neighbourhood: centre, spread (degrees), relative demand and typical streets."""

    name: str
    lat: float
    lng: float
    spread: float
    weight: int
    streets: tuple[str, ...]


HOODS = (
    Hood("Baixa", 38.7115, -9.1380, 0.0025, 6, ("Rua Augusta", "Rua dos Fanqueiros", "Rua da Prata")),
    Hood("Chiado", 38.7105, -9.1425, 0.0020, 4, ("Rua Garrett", "Rua do Carmo", "Rua Ivens")),
    Hood("Alfama", 38.7125, -9.1300, 0.0020, 4, ("Rua de São Miguel", "Rua dos Remédios", "Beco do Mexias")),
    Hood("Graça", 38.7175, -9.1310, 0.0025, 5, ("Rua da Graça", "Rua Damasceno Monteiro", "Calçada da Graça")),
    Hood(
        "Estrela",
        38.7135,
        -9.1600,
        0.0025,
        5,
        ("Rua de São Bento", "Rua Domingos Sequeira", "Calçada da Estrela"),
    ),
    Hood("Campo de Ourique", 38.7185, -9.1665, 0.0030, 7, ("Rua Ferreira Borges", "Rua Coelho da Rocha")),
    Hood("Avenidas Novas", 38.7385, -9.1470, 0.0045, 9, ("Avenida da República", "Rua Marquês de Fronteira")),
    Hood(
        "Areeiro",
        38.7420,
        -9.1340,
        0.0030,
        6,
        ("Avenida de Roma", "Rua Actor Taborda", "Praça Francisco Sá Carneiro"),
    ),
    Hood("Alvalade", 38.7530, -9.1420, 0.0040, 8, ("Avenida da Igreja", "Rua Acácio Paiva", "Avenida de Roma")),
    Hood(
        "Benfica",
        38.7500,
        -9.1990,
        0.0050,
        8,
        ("Estrada de Benfica", "Avenida Gomes Pereira", "Rua Cláudio Nunes"),
    ),
    Hood("Lumiar", 38.7700, -9.1600, 0.0045, 6, ("Alameda das Linhas de Torres", "Rua do Lumiar")),
    Hood("Olivais", 38.7700, -9.1200, 0.0040, 6, ("Avenida de Berlim", "Rua Cidade de Bolama")),
    Hood("Parque das Nações", 38.7640, -9.0985, 0.0035, 7, ("Alameda dos Oceanos", "Rua do Bojador")),
    Hood("Penha de França", 38.7270, -9.1300, 0.0030, 5, ("Rua Morais Soares", "Rua Francisco Pedro Curado")),
    Hood("Campolide", 38.7315, -9.1650, 0.0030, 4, ("Rua de Campolide", "Travessa do Pinheiro")),
    Hood("Alcântara", 38.7070, -9.1780, 0.0025, 4, ("Rua de Alcântara", "Rua Prior do Crato")),
)
FIRST_NAMES = (
    "Ana", "Beatriz", "Carla", "Diana", "Inês", "Joana", "Leonor", "Mariana",
    "Marta", "Rita", "Sofia", "Teresa", "André", "Bruno", "Carlos", "Diogo",
    "Duarte", "Francisco", "João", "Luís", "Miguel", "Nuno", "Pedro", "Tiago",
)  # fmt: skip
SURNAMES = (
    "Almeida", "Carvalho", "Costa", "Ferreira", "Gomes", "Lopes", "Marques", "Martins", "Oliveira", "Pereira",
    "Pinto", "Ribeiro", "Rodrigues", "Santos", "Silva", "Sousa", "Teixeira", "Vieira", "Fonseca", "Moreira",
)  # fmt: skip
INSTRUCTIONS = (
    "", "", "", "", "Tocar à campainha duas vezes", "Deixar com o porteiro", "3.º esquerdo, sem elevador",
    "Ligar 10 min antes", "Entrada pelas traseiras", "Loja: entregar no balcão",
)  # fmt: skip
SHOPS = (
    ("Mercearia do Bairro", 38.7128, -9.1395),
    ("Florista Estrela", 38.7138, -9.1588),
    ("Pastelaria Alvalade", 38.7522, -9.1431),
    ("Farmácia Central", 38.7391, -9.1462),
)
WINDOWS = ((9, 11), (11, 13), (14, 16), (16, 18))


def _local(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), ZoneInfo(TIMEZONE))


def _point(rng: random.Random, hood: Hood) -> LatLng:
    lat = min(MAX_LAT, max(MIN_LAT, rng.gauss(hood.lat, hood.spread)))
    lng = min(MAX_LNG, max(MIN_LNG, rng.gauss(hood.lng, hood.spread * 1.25)))
    return LatLng(round(lat, 6), round(lng, 6))


def demo_depot() -> Depot:
    """The hub: a warehouse by the container terminal in Beato/Poço do Bispo, eastern Lisbon."""
    return Depot(
        id=derived_id("dep", "lisboa-beato"),
        name="Doorstep Hub Lisboa (Beato)",
        location=LatLng(38.7372, -9.1034),
        timezone=TIMEZONE,
        address="Rua do Grilo 1, 1950-144 Lisboa",
        loading_s=900,
    )


def demo_fleet(day: date, depot: Depot) -> tuple[Vehicle, ...]:
    """Six large vans and four small refrigerated ones, 08:00-18:00, a 30-min break starting 12:00-13:30."""
    van_l = VehicleType(
        id=derived_id("vty", "van-l"), name="Van L", capacity={"parcels": 180, "weight_g": 1_200_000},
        fixed_cost_cents=4_000, cost_per_km_cents=35, cost_per_hour_cents=2_200,
    )  # fmt: skip
    van_s = VehicleType(
        id=derived_id("vty", "van-s-refrigerated"), name="Van S refrigerated",
        capacity={"parcels": 100, "weight_g": 700_000}, skills=frozenset({"refrigerated"}),
        fixed_cost_cents=3_500, cost_per_km_cents=30, cost_per_hour_cents=2_200,
    )  # fmt: skip
    vehicles = []
    for k, (vtype, label) in enumerate([(van_l, "L")] * 6 + [(van_s, "S")] * 4):
        number = k + 1 if label == "L" else k - 5
        vehicles.append(
            Vehicle(
                id=derived_id("veh", f"van-{label.lower()}-{number}"),
                name=f"Van {label}{number}",
                type=vtype,
                start_depot_id=depot.id,
                shift_start=_local(day, 8),
                shift_end=_local(day, 18),
                breaks=(Break(_local(day, 12), _local(day, 13, 30), 1800),),
            )
        )
    return tuple(vehicles)


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")


def _contact(rng: random.Random) -> Contact:
    """A Portuguese-speaking customer with reserved addresses: a demo with SMTP or SMS configured must never
    reach a real person (example.com is reserved by RFC 2606; +44 7700 900xxx is Ofcom's range for drama)."""
    first, last = rng.choice(FIRST_NAMES), rng.choice(SURNAMES)
    rng.choice("1236"), rng.randint(0, 9), rng.randint(0, 999)  # the draws of the former numbers: same demo days
    phone = f"+44 7700 900 {rng.randint(0, 999):03d}"
    email = _ascii(f"{first}.{last}@example.com").lower()
    return Contact(name=f"{first} {last}", phone=phone, email=email, language="pt")


def _address(rng: random.Random, hood: Hood) -> str:
    floor = rng.choice(["", ", r/c", ", 1.º dto", ", 2.º esq", ", 3.º", ", 4.º dto"])
    return f"{rng.choice(hood.streets)} {rng.randint(1, 180)}{floor}, Lisboa ({hood.name})"


def _windows(rng: random.Random, day: date, share: float) -> tuple[TimeWindow, ...]:
    if rng.random() >= share:
        return ()
    start, end = rng.choice(WINDOWS)
    return (TimeWindow(_local(day, start), _local(day, end)),)


def _size(rng: random.Random) -> dict[str, int]:
    parcels = rng.choices([1, 2, 3, 4, 5], weights=[35, 25, 18, 12, 10])[0]
    return {"parcels": parcels, "weight_g": parcels * rng.randrange(400, 4_000, 50)}


GOODS = (
    ("Shoes", "SHOE"), ("Books", "BOOK"), ("Kitchenware", "KIT"), ("Clothing", "CLO"), ("Electronics", "ELEC"),
    ("Groceries", "GRO"), ("Toys", "TOY"), ("Cosmetics", "COS"),
)  # fmt: skip


def _items(ref: str, parcels: int, seed: int, i: int) -> tuple[Item, ...]:
    """One labelled parcel per unit of size (``REF-1`` ... ``REF-n``), drawn from a generator of its own so the
    orders, and the demo plan, stay what they were before items existed."""
    rng = random.Random(f"items-{seed}-{i}")
    out = []
    for k in range(1, parcels + 1):
        name, sku = rng.choice(GOODS)
        out.append(Item(f"{name} (parcel {k} of {parcels})", 1, f"{sku}-{rng.randrange(1000, 9999)}", f"{ref}-{k}"))
    return tuple(out)


def demo_order(rng: random.Random, day: date, i: int, seed: int) -> Order:
    """One order: ~10% returns, ~2% store-to-door, ~8% same-day HIGH, ~8% refrigerated, 60% with a window."""
    hood = rng.choices(HOODS, weights=[h.weight for h in HOODS])[0]
    ref = f"LX{seed:02d}-{i + 1:04d}"
    roll = rng.random()
    kind = OrderKind.RETURN if roll < 0.10 else OrderKind.PAIRED if roll < 0.12 else OrderKind.DELIVERY
    pickup = None
    if kind is OrderKind.PAIRED:
        shop, lat, lng = rng.choice(SHOPS)
        pickup = PairedPickup(
            location=LatLng(lat, lng), address=f"{shop}, Lisboa", service_s=300,
            time_windows=(TimeWindow(_local(day, 9), _local(day, 15)),),
        )  # fmt: skip
    cold = kind is OrderKind.DELIVERY and rng.random() < 0.09
    same_day = kind is OrderKind.DELIVERY and rng.random() < 0.08
    location, address, contact = _point(rng, hood), _address(rng, hood), _contact(rng)
    windows = _windows(rng, day, 0.35 if kind is OrderKind.RETURN else 0.6)
    service_s, size = rng.choice([120, 180, 180, 240, 300]), _size(rng)
    return Order(
        id=derived_id("ord", ref),
        external_ref=ref,
        kind=kind,
        location=location,
        address=address,
        contact=contact,
        time_windows=windows,
        service_s=service_s,
        size=size,
        items=_items(ref, size["parcels"], seed, i),
        skills=frozenset({"refrigerated"}) if cold else frozenset(),
        priority=Priority.HIGH if same_day else Priority.NORMAL,
        instructions=rng.choice(INSTRUCTIONS),
        pickup=pickup,
        tags=tuple(t for t, on in (("same-day", same_day), ("cold-chain", cold)) if on),
    )


def demo_problem(seed: int = 7, orders: int = 300, day: date = DEMO_DATE) -> Problem:
    """The demo day for ``seed``: the same seed always gives the same orders, fleet and ids."""
    rng = random.Random(seed)
    depot = demo_depot()
    return Problem(
        depots=(depot,),
        vehicles=demo_fleet(day, depot),
        orders=tuple(demo_order(rng, day, i, seed) for i in range(orders)),
        name=f"Lisbon demo day {day.isoformat()} (seed {seed})",
    )
