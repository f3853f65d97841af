"""Two checks over named items, shared by ADF containers (activities), Databricks jobs (tasks, parameters) and the
command line (`--param`): the names used more than once, and an order that puts each item after its dependencies."""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Iterable, Mapping


def repeated(names: Iterable[object]) -> list[str]:
    """The names that occur more than once, sorted (as text)."""
    return sorted(str(name) for name, count in Counter(names).items() if count > 1)


def dependency_order(parents: Mapping[str, Collection[str]]) -> list[str]:
    """The names of `parents` (name -> the names it depends on), each after all it depends on; among those ready,
    the mapping's order. A name in a cycle, or depending on an unknown name, is left out with all that follows it:
    the caller compares the lengths."""
    ordered: list[str] = []
    done: set[str] = set()
    while len(ordered) < len(parents):
        ready = next((name for name, needs in parents.items()
                      if name not in done and all(need in done for need in needs)), None)
        if ready is None:
            break
        ordered.append(ready)
        done.add(ready)
    return ordered
