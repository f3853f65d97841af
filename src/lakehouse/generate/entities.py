"""Customers and products as business entities: how a new one looks and how an existing one changes.

Attribute tuples follow the contract's attribute order (§3.2). Values are canonical here (money with two decimals,
flags `true`/`false`, countries upper case); the writer varies their spelling within the contract.
"""

from __future__ import annotations

import random
import unicodedata
from datetime import date

import lakehouse.generate.pools as pools
from lakehouse import contract as c

Attrs = tuple[str | None, ...]
EARLIEST_SIGNUP = date(2018, 1, 1)
# Weighted picks as expanded pools: rng.choice on a tuple is much cheaper than rng.choices with weights.
TIER_POOL = tuple(t for t, w in zip(c.LOYALTY_TIERS, pools.LOYALTY_WEIGHTS, strict=True) for _ in range(w))
CUSTOMER_CHANGES = ("tier",) * 5 + ("email",) * 2 + ("move",) * 2 + ("name",)
PRODUCT_CHANGES = ("price",) * 12 + ("active",) * 3 + ("name",) * 2 + ("subcategory",) * 2 + ("category",)


def money(cents: int) -> str:
    return f"{cents // 100}.{cents % 100:02d}"


def cents_of(text: str) -> int:
    whole, _, frac = text.partition(".")
    return int(whole) * 100 + int((frac + "00")[:2])


def _ascii_slug(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return "".join(ch for ch in plain if ch.isalnum()) or "x"


class Customers:
    source = c.CUSTOMERS
    key_format = "C{:06d}"

    @staticmethod
    def initial_count(rows_per_day: int) -> int:
        return max(50, rows_per_day // 4)

    @staticmethod
    def daily_units(count: int) -> int:
        return max(4, count // 10)

    @staticmethod
    def new(rng: random.Random, number: int, joined: date) -> Attrs:
        first, last = rng.choice(pools.FIRST_NAMES), rng.choice(pools.LAST_NAMES)
        city, country = rng.choice(pools.CUSTOMER_CITIES)
        email = None if rng.random() < 0.04 else _email(rng, first, last, number)
        tier = None if rng.random() < 0.02 else rng.choice(TIER_POOL)
        signup = None if rng.random() < 0.03 else joined.isoformat()
        return (first, last, email, city, None if rng.random() < 0.01 else country, tier, signup)

    @staticmethod
    def initial_joined(rng: random.Random, start: date) -> date:
        return date.fromordinal(rng.randrange(EARLIEST_SIGNUP.toordinal(), start.toordinal() - 1))

    @staticmethod
    def change(rng: random.Random, attrs: Attrs, number: int) -> Attrs:
        first, last, email, city, country, tier, signup = attrs
        what = rng.choice(CUSTOMER_CHANGES)
        if what == "tier":
            tier = rng.choice([t for t in c.LOYALTY_TIERS if t != tier])
        elif what == "email":
            email = _email(rng, first or "x", last or "x", number + rng.randrange(1, 1000))
        elif what == "move":
            city, country = rng.choice([pair for pair in pools.CUSTOMER_CITIES if pair[0] != city])
        else:
            last = rng.choice([name for name in pools.LAST_NAMES if name != last])
        return (first, last, email, city, country, tier, signup)


def _email(rng: random.Random, first: str, last: str, number: int) -> str:
    return f"{_ascii_slug(first)}.{_ascii_slug(last)}{number}@{rng.choice(pools.EMAIL_DOMAINS)}"


class Products:
    source = c.PRODUCTS
    key_format = "P{:05d}"

    @staticmethod
    def initial_count(rows_per_day: int) -> int:
        # More than the brief's rows_per_day // 20: the 15 product reason codes need enough rows to stay a
        # small share of the source when every code is forced at least once.
        return max(40, rows_per_day // 10)

    @staticmethod
    def daily_units(count: int) -> int:
        return max(4, count // 5)

    @staticmethod
    def new(rng: random.Random, number: int, joined: date) -> Attrs:
        category = rng.choice(tuple(pools.CATEGORIES))
        subcategory = None if rng.random() < 0.03 else rng.choice(pools.CATEGORIES[category])
        price = None if rng.random() < 0.01 else money(_list_price_cents(rng))
        active = "false" if rng.random() < 0.04 else "true"
        return (_product_name(rng, category), category, subcategory, price, active)

    @staticmethod
    def initial_joined(rng: random.Random, start: date) -> date:
        return start

    @staticmethod
    def change(rng: random.Random, attrs: Attrs, number: int) -> Attrs:
        name, category, subcategory, price, active = attrs
        what = rng.choice(PRODUCT_CHANGES)
        if what == "price":
            base = cents_of(price) if price else _list_price_cents(rng)
            price = money(max(99, base * rng.randrange(70, 131) // 100))
        elif what == "active":
            active = "false" if active == "true" else "true"
        elif what == "name":
            name = _product_name(rng, category or "Home")
        elif what == "subcategory":
            subcategory = rng.choice(pools.CATEGORIES.get(category or "", ("General",)))
        else:
            category = rng.choice([cat for cat in pools.CATEGORIES if cat != category])
            subcategory = rng.choice(pools.CATEGORIES[category])
        return (name, category, subcategory, price, active)


def _list_price_cents(rng: random.Random) -> int:
    euros = min(1999, max(1, int(rng.lognormvariate(3.0, 1.0))))
    return euros * 100 + rng.choice((99, 49, 0, 95))


def _product_name(rng: random.Random, category: str) -> str:
    name = f"{rng.choice(pools.ADJECTIVES)} {rng.choice(pools.PRODUCT_NOUNS[category])}"
    return name + pools.MULTILINE_PRODUCT_SUFFIX if rng.random() < 0.04 else name
