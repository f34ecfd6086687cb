"""A data-only codec for what the results cache stores: it cannot run code.

The cache used to be a pickle, and loading a pickle runs whatever the file says:
anyone who can write the cache folder (a branch that ships one, a shared CI cache)
would get code execution on the next run. This codec writes JSON and reads it back
into a closed set of the tool's own plain types:

* ``None``, ``bool``, ``int``, ``float``, ``str`` and lists as JSON;
* tuples, sets, frozensets, bytes and dicts (any hashable keys) as one-key JSON
  objects (``{"t": [...]}``, ``{"s": ...}``, ``{"f": ...}``, ``{"b": base64}``,
  ``{"d": [[key, value], ...]}``);
* members of the registered enums (``{"e": "Severity", "v": "error"}``) and
  instances of the registered dataclasses (``{"c": "Span", "a": [field values in
  field order]}``), rebuilt through their constructors (their own validation runs).

Decoding anything else -- an unknown tag or class name, a wrong number of fields,
a constructor that rejects the values -- raises :class:`CodecError`: a caller treats
it as a cache miss. Nothing is ever imported or looked up by a name read from the
data; the classes are the ones the caller passes to :class:`Codec`.
"""

from __future__ import annotations

import base64
import dataclasses
import enum
import json
from collections.abc import Iterable
from typing import Any


class CodecError(ValueError):
    """The data is not something :class:`Codec` wrote (malformed, foreign or tampered)."""


class Codec:
    """Encodes and decodes values built from ``types`` (dataclasses and enums).

    ``types`` must have distinct ``__name__``s. :meth:`dumps` raises
    :class:`TypeError` for a value of any other type; :meth:`loads` raises
    :class:`CodecError` for anything it did not write.
    """

    def __init__(self, types: Iterable[type]) -> None:
        self._classes: dict[str, type] = {}
        #: name -> (class, number of fields, names of init fields or None when all are init)
        self._layout: dict[str, tuple[type, tuple[str, ...], bool]] = {}
        self._enums: dict[str, type[enum.Enum]] = {}
        for cls in types:
            name = cls.__name__
            if name in self._classes:
                raise ValueError(f"two registered types are named {name}")
            self._classes[name] = cls
            if isinstance(cls, type) and issubclass(cls, enum.Enum):
                self._enums[name] = cls
            elif dataclasses.is_dataclass(cls):
                fields = tuple(f.name for f in dataclasses.fields(cls))
                all_init = all(f.init for f in dataclasses.fields(cls))
                self._layout[name] = (cls, fields, all_init)
            else:
                raise ValueError(f"{name} is neither a dataclass nor an enum")

    # -- encoding ------------------------------------------------------------

    def dumps(self, value: Any) -> bytes:
        """``value`` as UTF-8 JSON bytes (lone surrogates kept, as Python strings may hold them)."""
        return json.dumps(self._encode(value), ensure_ascii=True, separators=(",", ":")).encode("ascii")

    def _encode(self, value: Any) -> Any:
        if value is None or value is True or value is False:
            return value
        kind = type(value)
        if kind is str or kind is int or kind is float:
            return value
        if kind is list:
            return [self._encode(v) for v in value]
        if kind is tuple:
            return {"t": [self._encode(v) for v in value]}
        if kind is dict:
            return {"d": [[self._encode(k), self._encode(v)] for k, v in value.items()]}
        name = kind.__name__
        layout = self._layout.get(name)
        if layout is not None and layout[0] is kind:
            return {"c": name, "a": [self._encode(getattr(value, f)) for f in layout[1]]}
        if name in self._enums and self._enums[name] is kind:
            return {"e": name, "v": self._encode(value.value)}
        if kind is frozenset:
            return {"f": [self._encode(v) for v in value]}
        if kind is set:
            return {"s": [self._encode(v) for v in value]}
        if kind is bytes:
            return {"b": base64.b64encode(value).decode("ascii")}
        raise TypeError(f"the cache codec cannot encode a {kind.__module__}.{kind.__qualname__}")

    # -- decoding ------------------------------------------------------------

    def loads(self, data: bytes | str) -> Any:
        """The value :meth:`dumps` wrote; :class:`CodecError` for anything else."""
        try:
            raw = json.loads(data)
        except (ValueError, TypeError, RecursionError) as error:
            raise CodecError(f"not JSON: {error}") from None
        try:
            return self._decode(raw)
        except CodecError:
            raise
        except (TypeError, ValueError, KeyError, AttributeError, RecursionError) as error:
            raise CodecError(f"malformed value: {error}") from None

    def _decode(self, raw: Any) -> Any:
        kind = type(raw)
        if raw is None or kind is bool or kind is str or kind is int or kind is float:
            return raw
        if kind is list:
            return [self._decode(v) for v in raw]
        if kind is not dict or len(raw) not in (1, 2):
            raise CodecError("unexpected JSON value")
        if len(raw) == 2:
            if "c" in raw:
                return self._decode_dataclass(raw)
            if "e" in raw:
                enum_type = self._enums.get(raw["e"]) if type(raw["e"]) is str else None
                if enum_type is None or "v" not in raw:
                    raise CodecError("unknown enum")
                return enum_type(self._decode(raw["v"]))
            raise CodecError("unknown tag")
        (tag, items), = raw.items()
        if tag == "b":
            if type(items) is not str:
                raise CodecError("bytes must be base64 text")
            try:
                return base64.b64decode(items.encode("ascii"), validate=True)
            except (ValueError, UnicodeEncodeError):
                raise CodecError("bad base64") from None
        if type(items) is not list:
            raise CodecError("a container's items must be a list")
        if tag == "t":
            return tuple(self._decode(v) for v in items)
        if tag == "d":
            out = {}
            for pair in items:
                if type(pair) is not list or len(pair) != 2:
                    raise CodecError("a dict item must be a pair")
                out[self._decode(pair[0])] = self._decode(pair[1])
            return out
        if tag == "f":
            return frozenset(self._decode(v) for v in items)
        if tag == "s":
            return {self._decode(v) for v in items}
        raise CodecError(f"unknown tag {tag!r}")

    def _decode_dataclass(self, raw: dict[str, Any]) -> Any:
        name, args = raw.get("c"), raw.get("a")
        layout = self._layout.get(name) if type(name) is str else None
        if layout is None or type(args) is not list:
            raise CodecError("unknown class")
        cls, fields, all_init = layout
        if len(args) != len(fields):
            raise CodecError(f"{name} has {len(fields)} fields, not {len(args)}")
        values = [self._decode(v) for v in args]
        if all_init:
            return cls(*values)
        init = {f.name for f in dataclasses.fields(cls) if f.init}
        obj = cls(**{k: v for k, v in zip(fields, values) if k in init})
        for key, value in zip(fields, values):
            if key not in init:
                object.__setattr__(obj, key, value)
        return obj
