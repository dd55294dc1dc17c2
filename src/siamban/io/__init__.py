"""Reading frames (video files, image folders, webcams) and writing boxes and annotated video."""

from siamban.io.frames import FrameSource, natural_key, open_frames, read_image
from siamban.io.writers import AnnotatedVideoWriter, BoxWriter, draw_box

__all__ = ["AnnotatedVideoWriter", "BoxWriter", "FrameSource", "draw_box", "natural_key", "open_frames", "read_image"]
