"""``siamban vot``: a TraX server, so the VOT toolkit (or any TraX client) can run siamban.

The client sends image paths and a rectangle or polygon; we answer a rectangle per frame with the tracker's
confidence as the ``confidence`` property. Polygons become axis-aligned boxes as in the official VOT scripts.
Everything we print goes to stderr: stdout carries the protocol.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import sys
import threading
import time
from typing import Protocol, Sequence

from siamban.cli.common import add_model_options, add_threads_option, check_threads, tracker_from_args
from siamban.errors import InputError
from siamban.geometry import polygon_to_xywh
from siamban.io import read_image


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("vot", help="serve the tracker over the TraX protocol (VOT toolkit integration)")
    add_model_options(p, backend=True)
    add_threads_option(p)
    p.add_argument("--name", default="siamban", help="tracker name announced to the client")
    p.set_defaults(func=run)


class TraxRegion(Protocol):
    """What ``region_to_xywh`` reads of a ``trax.region`` rectangle (``bounds``) or polygon (``size``, points)."""

    @property
    def type(self) -> str: ...

    def bounds(self) -> Sequence[float]: ...

    def size(self) -> int: ...

    def __getitem__(self, index: int) -> Sequence[float]: ...


def region_to_xywh(region: TraxRegion) -> list[float]:
    """A TraX rectangle or polygon as an (x, y, w, h) box."""
    from trax.region import Region

    if region.type == Region.RECTANGLE:
        return [float(v) for v in region.bounds()]
    if region.type == Region.POLYGON:
        points = [c for i in range(region.size()) for c in region[i]]
        return polygon_to_xywh(points).tolist()
    raise InputError(f"TraX region of type {region.type!r} is not supported (rectangle or polygon)")


def _image_path(images: dict) -> str:
    image = images.get("color") if isinstance(images, dict) else None
    if image is None:
        raise InputError("TraX request carries no colour image")
    return image.path()


def _trax_detail(exc: Exception) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__


#: Seconds a TraX wait may go on after the client closed stdin before the session is declared dead.
CLOSED_INPUT_GRACE = 2.0


class StdinWatch:
    """Notices a client that closed stdin while the TraX library waits for a request.

    The library's wait spins in C on a closed input (after a lone ``hello`` it never returns, using a full core and
    deaf to Python's signal handlers). Here the real stdin is copied into a pipe that becomes file 0; once the real
    stdin has ended, a wait still running ``grace`` seconds later can never be answered: one line, exit 2.
    """

    def __init__(self, grace: float = CLOSED_INPUT_GRACE) -> None:
        self.grace = grace
        self.closed_at: float | None = None
        self.waiting_since: float | None = None
        self._real = os.dup(0)
        read_end, self._write_end = os.pipe()
        os.dup2(read_end, 0)
        os.close(read_end)
        threading.Thread(target=self._pump, name="stdin-pump", daemon=True).start()
        threading.Thread(target=self._watch, name="stdin-watch", daemon=True).start()

    def _pump(self) -> None:
        try:
            while chunk := os.read(self._real, 1 << 16):
                os.write(self._write_end, chunk)
        except OSError:
            pass
        finally:
            with contextlib.suppress(OSError):
                os.close(self._write_end)
            self.closed_at = time.monotonic()

    def _watch(self) -> None:
        while True:
            time.sleep(0.1)
            closed, since = self.closed_at, self.waiting_since
            if closed is not None and since is not None and time.monotonic() - max(closed, since) > self.grace:
                sys.stderr.write("siamban vot: error: TraX protocol: the client closed stdin without a request to "
                                 "answer; siamban vot is started by a TraX client such as the VOT toolkit\n")
                sys.stderr.flush()
                os._exit(2)

    @contextlib.contextmanager
    def waiting(self):  # noqa: ANN201 - a context manager
        """Mark a TraX wait in progress."""
        self.waiting_since = time.monotonic()
        try:
            yield
        finally:
            self.waiting_since = None


def run(args: argparse.Namespace) -> int:
    try:
        from trax import Image, Region, Server, TraxException, TraxStatus
        from trax.region import Rectangle
    except ImportError:
        raise InputError("siamban vot needs the TraX library: pip install 'siamban[vot]' (vot-trax)") from None
    check_threads(args.threads)
    tracker = tracker_from_args(args)
    # vot writes no files, and its waits block in C where a Python handler never runs: a plain kill must end it
    with contextlib.suppress(ValueError, OSError):
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
    watch = StdinWatch()
    try:
        # not ``with Server(...)``: its exit prints a traceback for every error
        server = Server([Region.RECTANGLE, Region.POLYGON], [Image.PATH], tracker_name=args.name)
    except TraxException as exc:
        raise InputError(f"TraX protocol: cannot start the session ({_trax_detail(exc)})") from None
    reason = None
    try:
        while True:
            try:
                with watch.waiting():
                    request = server.wait()
            except TraxException as exc:
                raise InputError(f"TraX protocol: no valid request on stdin ({_trax_detail(exc)}; the input closed "
                                 "or a line is not TraX); siamban vot is started by a TraX client such as the "
                                 "VOT toolkit") from None
            if request.type in (TraxStatus.QUIT, TraxStatus.ERROR):
                break
            image = read_image(_image_path(request.image))
            if request.type == TraxStatus.INITIALIZE:
                if not request.objects:
                    raise InputError("TraX initialize request carries no object region")
                region, _properties = request.objects[0]
                box = region_to_xywh(region)
                tracker.init(image, box)
                server.status([(Rectangle.create(*box), {"confidence": 1.0})])
            else:
                result = tracker.track(image)
                confidence = 0.0 if result.lost else result.score
                server.status([(Rectangle.create(*result.box), {"confidence": confidence})])
    except TraxException as exc:  # sending a status failed: the client left
        reason = f"TraX protocol: {_trax_detail(exc)}"
        raise InputError(reason) from None
    except BaseException as exc:
        reason = str(exc) or type(exc).__name__
        raise
    finally:
        with contextlib.suppress(TraxException):
            server.quit(reason=reason)
    return 0
