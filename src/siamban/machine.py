"""What the benchmark reports record about where they ran: the hardware, and file paths without the machine's prefix."""

from __future__ import annotations

import os
import platform
from pathlib import Path

import torch


def cpu_name() -> str:
    """The processor's model name from /proc/cpuinfo (``platform.processor()`` elsewhere), with its core count."""
    name = platform.processor() or platform.machine() or "cpu"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                name = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{name} ({os.cpu_count()} logical cores)"


def device_name(device: torch.device) -> str:
    """The GPU's name for a CUDA device, else the CPU's."""
    return torch.cuda.get_device_name(device) if device.type == "cuda" else cpu_name()


def report_path(path: str | Path) -> str:
    """``path`` as a report records it: relative to the working directory when inside it (no machine paths)."""
    resolved = Path(path).resolve()
    try:
        return str(resolved.relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)
