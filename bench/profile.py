"""Profiling the API during one scenario with py-spy (`--profile KEY`): where the workers' time goes.

py-spy samples the running processes from outside (no code change, no restart), the API's workers included
(`--subprocesses`). The raw output is collapsed stacks, one `frame;frame;… count` line each; the summary sums
samples by the frame they were taken in (own time) and by every frame on the stack (inclusive time).
"""

from __future__ import annotations

import subprocess
import sys
from collections import Counter
from pathlib import Path


def py_spy() -> str:
    return str(Path(sys.executable).with_name("py-spy"))


def start(pid: int, seconds: float, output: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [
            py_spy(),
            "record",
            "--pid",
            str(pid),
            "--subprocesses",
            "--nonblocking",
            "--rate",
            "200",
            "--duration",
            str(max(1, int(seconds))),
            "--format",
            "raw",
            "--output",
            str(output),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def summarize(collapsed: str, top: int = 15) -> dict[str, list[tuple[str, float]]]:
    """The frames with the most own and inclusive samples, as shares of all samples."""
    own: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    total = 0
    for line in collapsed.splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        frames = [f for f in stack.split(";") if not f.startswith("process ")]
        if not frames:
            continue
        total += count
        own[frames[-1]] += count
        for frame in set(frames):
            inclusive[frame] += count
    if not total:
        return {"own": [], "inclusive": []}
    return {
        "own": [(frame, round(n / total, 3)) for frame, n in own.most_common(top)],
        "inclusive": [(frame, round(n / total, 3)) for frame, n in inclusive.most_common(top)],
    }
