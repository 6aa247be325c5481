"""How deep and how big a document may be, checked before anything walks it.

A spec, a manifest or a document a ``$ref`` names may come from anywhere, so every one is
checked before it is parsed (JSON) or built (YAML), and a mapping given in Python before
it is read:

* nesting: at most :data:`MAX_DEPTH` levels of mappings and lists;
* YAML aliases (and objects a mapping shares): expanding them may add at most
  :data:`MAX_ALIAS_NODES` values and :data:`MAX_ALIAS_BYTES` of text to what is written,
  and none may contain itself (a "billion laughs" document is refused at once).

Each check is iterative, so a document nested 100,000 levels deep costs a scan, not a
stack overflow, and ends in a :class:`~workbench.errors.SpecError` naming the source, the
line where it can, and the limit.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Mapping
from typing import Any

from workbench.errors import SpecError

MAX_DEPTH = 200
MAX_ALIAS_NODES = 1_000_000
MAX_ALIAS_BYTES = 16 * 1024 * 1024

_NOT_SYNTAX = bytes(b for b in range(256) if b not in b'"[]{}')
_STEP = {ord("["): 1, ord("{"): 1, ord("]"): -1, ord("}"): -1}
_TOKEN = re.compile(rb'"(?:[^"\\]|\\.)*"|[\[\]{}]', re.DOTALL)


def too_deep(source: str, line: int | None = None) -> SpecError:
    """The error for a document nested deeper than :data:`MAX_DEPTH`."""
    return SpecError(f"nested deeper than {MAX_DEPTH} levels", source=source, line=line)


def check_json(raw: bytes, source: str) -> None:
    """Refuse JSON text nested deeper than :data:`MAX_DEPTH`, without parsing it.

    Example:
        >>> check_json(b'{"a": [1, {"b": "[[[["}]}', "x.json")
        >>> check_json(b"[" * 1000, "x.json")
        Traceback (most recent call last):
        ...
        workbench.errors.SpecError: x.json:1: nested deeper than 200 levels
    """
    if raw.count(b"[") + raw.count(b"{") <= MAX_DEPTH:
        return
    # escaped backslashes, then escaped quotes, go; what is left between quotes is text
    unescaped = raw.replace(b"\\\\", b"").replace(b'\\"', b"")
    outside = b"".join(unescaped.translate(None, _NOT_SYNTAX).split(b'"')[::2])
    if max(itertools.accumulate(map(_STEP.__getitem__, outside)), default=0) > MAX_DEPTH:
        raise too_deep(source, _line_past_depth(raw))


def _line_past_depth(raw: bytes) -> int | None:
    depth = 0
    for match in _TOKEN.finditer(raw):
        token = match.group()
        if token in (b"[", b"{"):
            depth += 1
            if depth > MAX_DEPTH:
                return raw.count(b"\n", 0, match.start()) + 1
        elif token in (b"]", b"}"):
            depth -= 1
    return None


def check_yaml(events: Iterable[Any], source: str) -> None:
    """Refuse a YAML event stream nested too deep, whose aliases expand too far, or that
    contains itself; stops at the first fault, so a hostile document costs little.

    Example:
        >>> import yaml
        >>> check_yaml(yaml.parse("a: &x [1, 2]\\nb: *x\\n"), "ok.yaml")
        >>> check_yaml(yaml.parse("a: &x [1, *x]\\n"), "loop.yaml")
        Traceback (most recent call last):
        ...
        workbench.errors.SpecError: loop.yaml:1: alias 'x' refers to itself
    """
    import yaml

    sizes: dict[str, tuple[int, int]] = {}  # anchor -> (values, bytes) once expanded
    stack: list[list[Any]] = []  # per open collection: [values, bytes, anchor]
    open_anchors: set[str] = set()
    added_nodes = added_bytes = 0
    for event in events:
        if isinstance(event, yaml.CollectionStartEvent):
            if len(stack) >= MAX_DEPTH:
                raise too_deep(source, _line(event))
            stack.append([1, 0, event.anchor])
            if event.anchor:
                open_anchors.add(event.anchor)
            continue
        if isinstance(event, yaml.CollectionEndEvent):
            if not stack:
                continue
            nodes, size, anchor = stack.pop()
            if anchor:
                sizes[anchor] = (nodes, size)
                open_anchors.discard(anchor)
        elif isinstance(event, yaml.ScalarEvent):
            nodes, size = 1, len(event.value)
            if event.anchor:
                sizes[event.anchor] = (nodes, size)
        elif isinstance(event, yaml.AliasEvent):
            line = _line(event)
            if event.anchor in open_anchors:
                raise SpecError(
                    f"alias {event.anchor!r} refers to itself", source=source, line=line
                )
            nodes, size = sizes.get(event.anchor or "", (1, 0))
            added_nodes, added_bytes = added_nodes + nodes, added_bytes + size
            if added_nodes > MAX_ALIAS_NODES or added_bytes > MAX_ALIAS_BYTES:
                raise SpecError(
                    f"aliases expand the document past {MAX_ALIAS_NODES:,} values "
                    f"or {MAX_ALIAS_BYTES // 2**20} MiB of text",
                    source=source,
                    line=line,
                )
        else:
            continue
        if stack:
            stack[-1][0] += nodes
            stack[-1][1] += size


def _line(event: Any) -> int | None:
    mark = event.start_mark
    return mark.line + 1 if mark is not None else None


def check_tree(data: Any, source: str) -> None:
    """Refuse parsed data nested too deep, that contains itself, or whose shared parts
    expand past :data:`MAX_ALIAS_NODES` values (as a YAML alias would).

    Example:
        >>> check_tree({"a": [1, {"b": None}]}, "<spec>")
        >>> loop = {"a": []}
        >>> loop["a"].append(loop)
        >>> check_tree(loop, "<spec>")
        Traceback (most recent call last):
        ...
        workbench.errors.SpecError: <spec>: #/a/0: the mapping refers to itself
    """
    if not _collection(data):
        return
    sizes: dict[int, int] = {}  # id -> values once expanded, for collections walked
    frames: list[list[Any]] = [_frame(data, "#")]
    walking = {id(data)}
    added = 0
    while frames:
        frame = frames[-1]
        if not frame[1]:
            frames.pop()
            walking.discard(id(frame[0]))
            sizes[id(frame[0])] = frame[2]
            if frames:
                frames[-1][2] += frame[2]
            continue
        name, child = frame[1].pop()
        key = id(child)
        if key in walking:
            pointer = "/".join(str(f[3]) for f in frames) + f"/{name}"
            raise SpecError("the mapping refers to itself", source=source, pointer=pointer)
        if key in sizes:
            added += sizes[key]
            frame[2] += sizes[key]
            if added > MAX_ALIAS_NODES:
                raise SpecError(
                    f"shared parts expand the document to more than {MAX_ALIAS_NODES:,} values",
                    source=source,
                )
            continue
        if len(frames) >= MAX_DEPTH:
            raise too_deep(source)
        frames.append(_frame(child, name))
        walking.add(key)


_SCALARS = (str, int, float, bool, type(None))


def _collection(value: Any) -> bool:
    return isinstance(value, Mapping | list | tuple)


def _frame(node: Any, name: Any) -> list[Any]:
    """``[node, the collections in it (reversed, with keys), its values so far, name]``:
    the values so far are the node and the scalars in it."""
    pairs = node.items() if isinstance(node, Mapping) else enumerate(node)
    found = [(k, v) for k, v in pairs if not isinstance(v, _SCALARS) and _collection(v)]
    found.reverse()
    return [node, found, 1 + len(node) - len(found), name]
