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
import operator
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
        self._build_encoders()

    # -- encoding ------------------------------------------------------------

    def dumps(self, value: Any) -> bytes:
        """``value`` as ASCII JSON bytes (lone surrogates kept as ``\\ud800`` escapes)."""
        return json.dumps(self._encode(value), ensure_ascii=True, separators=(",", ":")).encode("ascii")

    def _encode(self, value: Any) -> Any:
        try:
            return self._encoders[type(value)](value)
        except KeyError:
            kind = type(value)
            raise TypeError(f"the cache codec cannot encode a {kind.__module__}.{kind.__qualname__}") from None

    def _build_encoders(self) -> None:
        encode = self._encode

        def same(value: Any) -> Any:
            return value

        encoders: dict[type, Any] = {
            type(None): same, bool: same, int: same, float: same, str: same,
            list: lambda v: [encode(x) for x in v],
            tuple: lambda v: {"t": [encode(x) for x in v]},
            dict: lambda v: {"d": [[encode(k), encode(x)] for k, x in v.items()]},
            frozenset: lambda v: {"f": [encode(x) for x in v]},
            set: lambda v: {"s": [encode(x) for x in v]},
            bytes: lambda v: {"b": base64.b64encode(v).decode("ascii")},
        }
        for name, (cls, fields, _) in self._layout.items():
            encoders[cls] = self._dataclass_encoder(name, fields)
        for name, enum_type in self._enums.items():
            encoders[enum_type] = lambda v, name=name: {"e": name, "v": encode(v.value)}
        self._encoders = encoders

    def _dataclass_encoder(self, name: str, fields: tuple[str, ...]) -> Any:
        encode = self._encode
        if len(fields) == 1:
            (only,) = fields
            return lambda v: {"c": name, "a": [encode(getattr(v, only))]}
        get = operator.attrgetter(*fields)
        return lambda v: {"c": name, "a": [encode(x) for x in get(v)]}

    # -- decoding ------------------------------------------------------------

    def loads(self, data: bytes | memoryview | str) -> Any:
        """The value :meth:`dumps` wrote; :class:`CodecError` for anything else."""
        try:
            return json.loads(bytes(data) if type(data) is memoryview else data, object_hook=self._object)
        except CodecError:
            raise
        except (TypeError, ValueError, KeyError, AttributeError, RecursionError) as error:
            raise CodecError(f"malformed value: {error}") from None

    def _object(self, raw: dict[str, Any]) -> Any:
        """One JSON object, its members already decoded (json calls this bottom-up)."""
        if len(raw) == 2:
            name = raw.get("c")
            if name is not None:
                return self._dataclass(name, raw.get("a"))
            name = raw.get("e")
            enum_type = self._enums.get(name) if type(name) is str else None
            if enum_type is None or "v" not in raw:
                raise CodecError("unknown tag")
            return enum_type(raw["v"])
        if len(raw) != 1:
            raise CodecError("unexpected JSON object")
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
            return tuple(items)
        if tag == "d":
            out = {}
            for pair in items:
                if type(pair) is not list or len(pair) != 2:
                    raise CodecError("a dict item must be a pair")
                key = pair[0]
                if type(key) is list:
                    raise CodecError("a list is not a key")
                out[key] = pair[1]
            return out
        if tag == "f":
            return frozenset(items)
        if tag == "s":
            return set(items)
        raise CodecError(f"unknown tag {tag!r}")

    def _dataclass(self, name: Any, values: Any) -> Any:
        layout = self._layout.get(name) if type(name) is str else None
        if layout is None or type(values) is not list:
            raise CodecError("unknown class")
        cls, fields, all_init = layout
        if len(values) != len(fields):
            raise CodecError(f"{name} has {len(fields)} fields, not {len(values)}")
        if all_init:
            return cls(*values)
        init = {f.name for f in dataclasses.fields(cls) if f.init}
        obj = cls(**{k: v for k, v in zip(fields, values) if k in init})
        for key, value in zip(fields, values):
            if key not in init:
                object.__setattr__(obj, key, value)
        return obj
