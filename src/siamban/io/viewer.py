"""A live window for ``siamban track --show``, built on the standard library's Tk.

The OpenCV wheel we depend on is headless (no highgui), so frames are shown through Tk's PhotoImage, which reads
binary PPM data: no extra dependency. The first box can be drawn with the mouse.
"""

from __future__ import annotations

import os
import sys
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Sequence

import numpy as np

from siamban.errors import InputError

if TYPE_CHECKING:
    import tkinter


def frame_to_ppm(frame_bgr: np.ndarray) -> bytes:
    """Encode a BGR uint8 frame as binary PPM (P6), the format Tk's PhotoImage reads without extra libraries."""
    height, width = frame_bgr.shape[:2]
    rgb = np.ascontiguousarray(frame_bgr[:, :, ::-1])
    return f"P6 {width} {height} 255 ".encode() + rgb.tobytes()


def normalise_drag(start: Sequence[float], end: Sequence[float], width: int, height: int) -> tuple[float, ...]:
    """Box (x, y, w, h) spanned by a mouse drag from ``start`` to ``end``, clipped to the frame."""
    x0, x1 = sorted((min(max(start[0], 0), width - 1), min(max(end[0], 0), width - 1)))
    y0, y1 = sorted((min(max(start[1], 0), height - 1), min(max(end[1], 0), height - 1)))
    return (float(x0), float(y0), float(x1 - x0), float(y1 - y0))


@dataclass
class _Drag:
    """The mouse drag of ``Viewer.select_box``: where it started, the box so far, whether it was confirmed."""

    start: tuple[int, int] | None = None
    box: tuple[float, ...] | None = None
    done: bool = False


#: What to do instead of ``--show`` where no window can open.
NO_WINDOW_HINT = "write the annotated tracking to a file instead with --video out.mp4"


def display_available() -> bool:
    """False on Linux without an X11 or Wayland display (a server, an SSH session, a container); True elsewhere."""
    if not sys.platform.startswith("linux"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


class Viewer:
    """One window: ``show(frame)`` each frame; ``select_box(frame)`` lets the user drag the first box."""

    def __init__(self, title: str = "siamban") -> None:
        if not display_available():
            raise InputError(f"--show needs a display, and DISPLAY is not set: {NO_WINDOW_HINT}")
        try:
            import tkinter as tk
        except ImportError:
            raise InputError(f"--show needs Python's tkinter, which this Python lacks: {NO_WINDOW_HINT}") from None
        try:
            self._root = tk.Tk()
        except tk.TclError as exc:
            raise InputError(f"--show cannot open a window ({exc}): {NO_WINDOW_HINT}") from None
        self._tk = tk
        self._root.title(title)
        self._canvas = tk.Canvas(self._root, highlightthickness=0)
        self._canvas.pack()
        self._photo: tkinter.PhotoImage | None = None
        self.closed = False
        self._root.protocol("WM_DELETE_WINDOW", self._on_close)
        self._root.bind("<Escape>", lambda _e: self._on_close())
        self._root.bind("q", lambda _e: self._on_close())

    def _on_close(self) -> None:
        self.closed = True

    def _draw(self, frame: np.ndarray) -> None:
        height, width = frame.shape[:2]
        self._photo = self._tk.PhotoImage(data=frame_to_ppm(frame), format="PPM")
        self._canvas.config(width=width, height=height)
        self._canvas.delete("all")
        self._canvas.create_image(0, 0, image=self._photo, anchor="nw")

    def show(self, frame: np.ndarray) -> bool:
        """Display a frame; returns False once the user closed the window (Esc, q or the close button)."""
        if self.closed:
            return False
        self._draw(frame)
        self._root.update()
        return not self.closed

    def select_box(self, frame: np.ndarray) -> tuple[float, float, float, float]:
        """Let the user drag a box on ``frame`` and confirm it with Enter or Space; raises InputError if cancelled."""
        self._draw(frame)
        height, width = frame.shape[:2]
        state = _Drag()
        rect = self._canvas.create_rectangle(0, 0, 0, 0, outline="#00ff00", width=2)
        hint = self._canvas.create_text(8, 8, anchor="nw", fill="#00ff00", text="drag the target, Enter to start")

        def press(event: tkinter.Event) -> None:
            state.start = (event.x, event.y)

        def drag(event: tkinter.Event) -> None:
            if state.start is None:
                return
            box = normalise_drag(state.start, (event.x, event.y), width, height)
            state.box = box
            self._canvas.coords(rect, box[0], box[1], box[0] + box[2], box[1] + box[3])

        def confirm(_event: object) -> None:
            box = state.box
            if box is not None and box[2] > 0 and box[3] > 0:
                state.done = True

        self._canvas.bind("<ButtonPress-1>", press)
        self._canvas.bind("<B1-Motion>", drag)
        self._root.bind("<Return>", confirm)
        self._root.bind("<space>", confirm)
        while not state.done and not self.closed:
            self._root.update()
            time.sleep(0.015)  # what Tk's after(15) without a callback does: sleep, handling no events
        self._canvas.delete(hint)
        self._canvas.unbind("<ButtonPress-1>")
        self._canvas.unbind("<B1-Motion>")
        if self.closed:
            raise InputError("no first box: the window was closed before a box was drawn")
        assert state.box is not None  # done: a drawn box was confirmed
        x, y, w, h = state.box
        return x, y, w, h

    def close(self) -> None:
        try:
            self._root.destroy()
        except self._tk.TclError:
            pass
