"""Checking a finished image before it is posted: explicit nudity, with the optional NudeNet detector.

NudeNet ships its ONNX model inside its wheel (nothing is downloaded) but is licensed AGPL-3.0, so it is an
optional extra (``pip install 'atelier[nsfw]'``); without it, ``detector()`` returns None and no image check
runs. The prompt rules still apply.
"""

from __future__ import annotations

import importlib.util
import io
from dataclasses import dataclass

import numpy
from PIL import Image

# NudeNet's labels for exposed intimate parts; covered parts, faces and feet don't count.
EXPLICIT_LABELS = frozenset(
    {
        "FEMALE_GENITALIA_EXPOSED",
        "MALE_GENITALIA_EXPOSED",
        "FEMALE_BREAST_EXPOSED",
        "ANUS_EXPOSED",
        "BUTTOCKS_EXPOSED",
    }
)
DEFAULT_THRESHOLD = 0.5


@dataclass(frozen=True)
class ImageVerdict:
    explicit: bool
    labels: tuple[str, ...] = ()


class NudityDetector:
    def __init__(self, threshold: float = DEFAULT_THRESHOLD) -> None:
        from nudenet import NudeDetector

        self.threshold = threshold
        self._detector = NudeDetector()

    def check(self, png: bytes) -> ImageVerdict:
        """Blocking (about 30-200 ms on a CPU): run it in a thread."""
        with Image.open(io.BytesIO(png)) as picture:
            # NudeNet reads OpenCV's channel order.
            pixels = numpy.asarray(picture.convert("RGB"))[:, :, ::-1].copy()
        found = tuple(
            sorted(
                {
                    detection["class"]
                    for detection in self._detector.detect(pixels)
                    if detection["class"] in EXPLICIT_LABELS and detection["score"] >= self.threshold
                }
            )
        )
        return ImageVerdict(explicit=bool(found), labels=found)


def detector(enabled: bool = True) -> NudityDetector | None:
    if not enabled or importlib.util.find_spec("nudenet") is None:
        return None
    return NudityDetector()
