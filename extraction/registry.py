"""A small named registry: ``@registry.register("DL")`` and ``registry.get("DL")``.

An unknown name raises :class:`~extraction.errors.RegistryError` listing the known ones,
e.g. ``Unknown tau² estimator 'DLL'. Available: DL, PM, REML``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Generic, TypeVar

from extraction.errors import RegistryError

__all__ = ["Registry"]

T = TypeVar("T")


class Registry(Generic[T]):
    """Names (case-insensitive) to objects of one kind."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self._items: dict[str, T] = {}
        self._names: dict[str, str] = {}

    def register(self, name: str) -> Callable[[T], T]:
        """Decorator adding ``obj`` under ``name``; a name registered twice is a bug."""

        def add(obj: T) -> T:
            key = name.lower()
            if key in self._items:
                raise ValueError(f"{self.kind} {name!r} is registered twice")
            self._items[key] = obj
            self._names[key] = name
            return obj

        return add

    def get(self, name: str) -> T:
        try:
            return self._items[name.lower()]
        except KeyError:
            raise RegistryError(
                f"Unknown {self.kind} {name!r}. Available: {', '.join(self.names())}"
            ) from None

    def canonical(self, name: str) -> str:
        """The registered spelling of ``name`` (``reml`` -> ``REML``)."""
        self.get(name)
        return self._names[name.lower()]

    def names(self) -> list[str]:
        return sorted(self._names.values())

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name.lower() in self._items

    def __iter__(self) -> Iterator[str]:
        return iter(self.names())
