"""Peak RSS of one process image.

The kernel's rusage `ru_maxrss` of a child also counts the parent's RSS at fork (Linux keeps the
high-water mark across exec), so a child of a big parent looks as big as its parent. VmHWM in
/proc/<pid>/status belongs to the current image alone; rusage is the fallback elsewhere."""

from __future__ import annotations

from pathlib import Path


def peak_rss_bytes(pid: int | str = "self") -> int | None:
    try:
        status = Path(f"/proc/{pid}/status").read_text(encoding="utf-8")
    except OSError:
        return None
    for line in status.splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024  # kB
    return None
