"""Checks a picture against the scene its caption describes, on the pixels: the background, each object's
colour and side, and how many objects there are. The evaluation of the built-in model (and the tests of edits)
use it; it knows the world, not the model, so it judges any picture the same way."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

import numpy as np
from PIL import Image

from generation.builtin.world import COLOURS, Scene, background_mask, interior, object_mask, render

# Mean absolute difference (0-255) under which a background region counts as the one described.
BACKGROUND_TOLERANCE = 40.0
# A pixel this far from the expected background belongs to something drawn on it.
FOREGROUND_DISTANCE = 60.0
# Blobs smaller than this share of the picture are noise, not objects (a small object covers about 2 %).
MIN_OBJECT_SHARE = 0.006
_NAMES = tuple(COLOURS)
_PALETTE = np.array([COLOURS[name] for name in _NAMES], dtype=np.float32)


@dataclass(frozen=True)
class Verdict:
    background: bool
    colours: tuple[bool, ...]
    sides: tuple[bool, ...]
    count: bool

    @property
    def all(self) -> bool:
        return self.background and all(self.colours) and all(self.sides) and self.count


def nearest_colour(rgb: np.ndarray) -> str:
    """The world's colour name closest to ``rgb``."""
    return _NAMES[int(np.argmin(((_PALETTE - rgb) ** 2).sum(axis=1)))]


def judge(picture: Image.Image, scene: Scene) -> Verdict:
    size = picture.width
    pixels = np.asarray(picture.convert("RGB"), dtype=np.float32)
    expected = np.asarray(render(scene, size), dtype=np.float32)
    behind = background_mask(scene, size)
    background_error = np.abs(pixels[behind] - expected[behind]).mean() if behind.any() else 0.0
    colours, sides = [], []
    for index, thing in enumerate(scene.things):
        inside = _core(object_mask(scene, index, size))
        colours.append(bool(inside.any()) and nearest_colour(np.median(pixels[inside], axis=0)) == thing.colour)
        sides.append(_on_its_side(pixels, thing.colour, object_mask(scene, index, size), thing.position, size))
    foreground = np.sqrt(((pixels - _background_only(scene, size)) ** 2).sum(axis=2)) > FOREGROUND_DISTANCE
    count = _blobs(foreground, int(MIN_OBJECT_SHARE * size * size)) == len(scene.things)
    return Verdict(bool(background_error < BACKGROUND_TOLERANCE), tuple(colours), tuple(sides), bool(count))


def _core(mask: np.ndarray) -> np.ndarray:
    """The mask without its edge pixels, where antialiasing mixes in the background (all of it if nothing is left)."""
    core = interior(mask)
    return core if core.any() else mask


def _on_its_side(pixels: np.ndarray, colour: str, mask: np.ndarray, position: str, size: int) -> bool:
    """The pixels of the object's colour near where it should be lie, on average, on the side named."""
    names = np.array(_NAMES)[((pixels[:, :, None, :] - _PALETTE) ** 2).sum(axis=3).argmin(axis=2)]
    ys, xs = np.nonzero((names == colour) & _near(mask, size // 8))
    if len(xs) == 0:
        return False
    x, y = xs.mean() / size, ys.mean() / size
    checks = {"left": x < 0.45, "right": x > 0.55, "top": y < 0.45, "bottom": y > 0.55}
    words = position.split()
    if words == ["centre"]:
        return bool(0.3 < x < 0.7 and 0.3 < y < 0.7)
    return bool(all(checks[word] for word in words))


def _near(mask: np.ndarray, reach: int) -> np.ndarray:
    ys, xs = np.nonzero(mask)
    near = np.zeros_like(mask)
    near[max(0, ys.min() - reach) : ys.max() + reach + 1, max(0, xs.min() - reach) : xs.max() + reach + 1] = True
    return near


def _background_only(scene: Scene, size: int) -> np.ndarray:
    return np.asarray(render(Scene(things=(), background=scene.background), size), dtype=np.float32)


def _blobs(foreground: np.ndarray, least: int) -> int:
    """Connected regions (4-neighbours) of at least ``least`` pixels."""
    seen = np.zeros_like(foreground)
    height, width = foreground.shape
    count = 0
    for start in zip(*np.nonzero(foreground), strict=True):
        if seen[start]:
            continue
        seen[start] = True
        area, queue = 0, deque([start])
        while queue:
            y, x = queue.popleft()
            area += 1
            for ny, nx in ((y + 1, x), (y - 1, x), (y, x + 1), (y, x - 1)):
                if 0 <= ny < height and 0 <= nx < width and foreground[ny, nx] and not seen[ny, nx]:
                    seen[ny, nx] = True
                    queue.append((ny, nx))
        count += area >= least
    return count
