"""Py4J's class and static-method lookups, answered once per JVM instead of on every call.

Every `pyspark.sql.functions` call (`F.col`, `F.when`, `F.lit`, ...) first looks up the class
`org.apache.spark.sql.functions` in the JVM and then the function's name on it: two Py4J round trips before the call
itself, because Py4J's `JVMView` and `JavaClass` ask the JVM anew each time. Building one batch's transaction rules
took 2,914 round trips, 1,277 of them such lookups; a one-day run about 19,600, 6,100 of them lookups (0.6-0.7 ms
each, the driver's threads queueing on the gateway while the JVM is busy).

A class, and a static method of it, stays what it is while the JVM lives, so `remember_lookups` makes a session's
JVM view keep the classes it found and each such class keep the static methods it found. Nothing else is kept:
packages, static field values (which can change) and failed lookups are asked every time. One thing this changes:
a short name that found a class keeps finding it even if a later `java_import` would resolve it to another class;
nothing in PySpark, Delta or this project imports two classes of one short name.
"""

from __future__ import annotations

from typing import Any

from py4j.java_gateway import JavaClass, JavaMember, JVMView


def _remembered(holder: Any, name: str, look_up: Any, keeps: tuple[type, ...]) -> Any:
    """`look_up(holder, name)`, kept in `holder` when the answer is one of `keeps`; a class found is made to remember
    its own lookups."""
    known: dict[str, Any] = holder.__dict__.setdefault("_lakehouse_known", {})
    found = known.get(name)
    if found is None:
        found = look_up(holder, name)
        if isinstance(found, JavaClass):
            found.__class__ = _RememberingJavaClass
        if isinstance(found, keeps):
            known[name] = found
    return found


class _RememberingJavaClass(JavaClass):
    """A `JavaClass` that keeps the static methods and nested classes it has looked up (a field's value is not
    kept)."""

    def __getattr__(self, name: str) -> Any:
        return _remembered(self, name, JavaClass.__getattr__, (JavaClass, JavaMember))


class _RememberingJVMView(JVMView):
    """A `JVMView` that keeps the classes it has looked up (each remembering its static methods)."""

    def __getattr__(self, name: str) -> Any:
        return _remembered(self, name, JVMView.__getattr__, (JavaClass,))


def remember_lookups(jvm: object) -> bool:
    """Make `jvm` (a SparkContext's `_jvm`) remember its class and static-method lookups, in place, so that every
    holder of it (PySpark's functions, Delta's API) gains. False, and nothing changed, for anything but a plain
    Py4J view (another gateway, Spark Connect)."""
    if type(jvm) is _RememberingJVMView:
        return True
    if type(jvm) is not JVMView:
        return False
    jvm.__class__ = _RememberingJVMView
    return True
