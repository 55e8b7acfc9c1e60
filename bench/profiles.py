"""Summarise a pyinstrument profile: the call tree cut to its heavy frames, then where the time
is actually spent (self time) by package and by function — the hotspots."""

from __future__ import annotations

import re
from collections import defaultdict
from typing import Any

_LINE = re.compile(r"^(?P<indent>[\s│|`├└─-]*)(?P<seconds>\d+\.\d+) (?P<frame>.+)$")


def summarise(profile: str, *, min_share: float = 0.03, max_lines: int = 40) -> str:
    """The profile's text tree cut to frames taking at least `min_share` of the total."""
    lines = [line.rstrip() for line in profile.splitlines()]
    timed = [(line, _LINE.match(line)) for line in lines]
    total = max((float(m["seconds"]) for _, m in timed if m), default=0.0)
    kept = [line for line, m in timed if m and total and float(m["seconds"]) / total >= min_share]
    return "\n".join(kept[:max_lines])


def describe(profiler: Any, *, top: int = 12) -> str:
    """Tree summary plus self time by package and by function, for a stopped pyinstrument Profiler."""
    tree = summarise(profiler.output_text(unicode=True, color=False, show_all=False))
    root = profiler.last_session.root_frame()
    by_package: dict[str, float] = defaultdict(float)
    by_function: dict[str, float] = defaultdict(float)
    # pyinstrument keeps a frame's self time in synthetic "[self]" children: charge it to the parent.
    stack: list[tuple[Any, Any]] = [(root, root)] if root is not None else []
    while stack:
        frame, parent = stack.pop()
        children = list(frame.children)
        stack.extend((c, frame) for c in children)
        own = frame.time - sum(c.time for c in children)
        if own <= 0:
            continue
        owner = parent if frame.is_synthetic_leaf or not frame.file_path else frame
        path = owner.file_path or ""
        by_package[_package(path)] += own
        by_function[f"{owner.function}  {_short(path)}:{owner.line_no}"] += own
    total = root.time if root is not None else 0.0
    lines = [tree, "", f"Self time by package (of {total:.2f} s):"]
    lines += _ranked(by_package, total, top)
    lines += ["", "Hottest functions (self time):"]
    lines += _ranked(by_function, total, top)
    return "\n".join(lines)


def _ranked(times: dict[str, float], total: float, top: int) -> list[str]:
    ranked = sorted(times.items(), key=lambda kv: kv[1], reverse=True)[:top]
    return [f"  {seconds:7.2f} s  {seconds / total:5.1%}  {name}" for name, seconds in ranked if total]


def _package(path: str) -> str:
    if "site-packages/" in path:
        return path.split("site-packages/", 1)[1].split("/", 1)[0]
    for ours in ("/hub/", "/adapters/", "/bench/"):
        if ours in path:
            tail = path.split(ours, 1)[1]
            return ours.strip("/") + "." + tail.split("/", 1)[0].removesuffix(".py")
    if path.startswith("<"):
        return "builtins (C: sqlite3, json, uuid …)" if "built-in" in path else path
    return "stdlib." + path.rsplit("/", 1)[-1].removesuffix(".py")


def _short(path: str) -> str:
    for marker in ("site-packages/", "/work/main/", "/lib/python3.11/"):
        if marker in path:
            return path.split(marker, 1)[1]
    return path
