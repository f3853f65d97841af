"""Stores: the true list of open stores day by day (§3.3 snapshots), with openings, closings and changes."""

from __future__ import annotations

import random
from datetime import date

import lakehouse.generate.pools as pools
from lakehouse import contract as c
from lakehouse.generate.model import Settings

StoreAttrs = tuple[str | None, ...]  # store_name, city, region, country, store_type, opened_date
ONLINE_STORES = {
    "S-WEB-01": ("Webshop", None, "Online", None, "online", "2015-03-01"),
    "S-APP-01": ("Mobile App", None, "Online", None, "online", None),
}
INITIAL_PHYSICAL = 22
MIN_PHYSICAL, MAX_PHYSICAL = 18, 28


class StoreSimulator:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.open: dict[str, StoreAttrs] = {}
        self.closed: dict[str, StoreAttrs] = {}
        self.next_number = 1
        self.day_number = 0

    def next_day(self) -> dict[str, StoreAttrs]:
        """The snapshot as of the day's 00:00 UTC, sorted by store_id."""
        self.day_number += 1
        rng = self.settings.rng(c.STORES, "world", self.day_number)
        if self.day_number == 1:
            self.open.update(ONLINE_STORES)
            for number in range(INITIAL_PHYSICAL):
                self._open_new(rng, _past_date(rng), number)
        else:
            self._daily_events(rng)
        return dict(sorted(self.open.items()))

    def _daily_events(self, rng: random.Random) -> None:
        scripted = self.day_number == 2  # one opening, one closing and one change on day 2
        physical = [key for key, attrs in self.open.items() if attrs[4] != "online"]
        if scripted or (rng.random() < 0.3 and len(physical) < MAX_PHYSICAL):
            if self.closed and rng.random() < 0.3:
                key = sorted(self.closed)[rng.randrange(len(self.closed))]
                self.open[key] = self.closed.pop(key)
            else:
                self._open_new(rng, self.settings.day_date(self.day_number).isoformat())
        if scripted or (rng.random() < 0.2 and len(physical) > MIN_PHYSICAL):
            key = sorted(physical)[rng.randrange(len(physical))]
            self.closed[key] = self.open.pop(key)
        if scripted or rng.random() < 0.35:
            physical = sorted(key for key, attrs in self.open.items() if attrs[4] != "online")
            key = physical[rng.randrange(len(physical))]
            self.open[key] = _changed(rng, self.open[key])

    def _open_new(self, rng: random.Random, opened: str | None, number: int = -1) -> None:
        city, country, region = rng.choice(pools.STORE_CITIES)
        store_type, style = rng.choice(("flagship",) + ("standard",) * 7 + ("outlet",) * 2), -1
        if 0 <= number < len(pools.AWKWARD_STORE_NAMES):  # the first stores always carry quotes, commas, newlines
            store_type, style = pools.AWKWARD_STORE_NAMES[number]
        styles = pools.STORE_NAME_STYLES[store_type]
        name = styles[style if style >= 0 else rng.randrange(len(styles))].format(city=city)
        key = f"S{self.next_number:03d}"
        self.next_number += 1
        self.open[key] = (name, city, region, country, store_type, opened)


def _changed(rng: random.Random, attrs: StoreAttrs) -> StoreAttrs:
    name, city, region, country, store_type, opened = attrs
    if rng.random() < 0.6:
        region = rng.choice([r for r in pools.STORE_REGIONS if r != region])
    else:
        store_type = rng.choice([t for t in ("flagship", "standard", "outlet") if t != store_type])
    return (name, city, region, country, store_type, opened)


def _past_date(rng: random.Random) -> str | None:
    if rng.random() < 0.08:  # opening date unknown: null is allowed (§3.3)
        return None
    return date.fromordinal(rng.randrange(date(2005, 1, 1).toordinal(), date(2025, 6, 1).toordinal())).isoformat()
