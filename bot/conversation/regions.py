"""Where in the picture a turn asks for its change: region words and grid cells as masks.

"only the sky", "the left half", "en haut à droite", "everything but the centre": a fixed vocabulary of halves,
thirds, the cells of a 3x3 grid, the centre and the border, in English and French. A region becomes a mask at the
picture's size: white where the service repaints, black where it keeps the picture exactly, with a soft edge that
fades *inside* the region so nothing outside it changes by a single pixel.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
from PIL import Image
from scipy.ndimage import distance_transform_edt

Box = tuple[float, float, float, float]  # left, top, right, bottom, as fractions of the picture
THIRD = 1 / 3
# The soft edge's width, as a share of the picture's shorter side.
FEATHER_SHARE = 0.04
GRID_ROWS = ("top", "middle", "bottom")
GRID_COLUMNS = ("left", "centre", "right")


def _cell(row: int, column: int) -> Box:
    return column * THIRD, row * THIRD, (column + 1) * THIRD, (row + 1) * THIRD


def cell_name(row: int, column: int) -> str:
    """The 3x3 grid's cells as a member reads them: "top left", "middle centre" is just "centre"."""
    if (row, column) == (1, 1):
        return "centre"
    return f"{GRID_ROWS[row]} {GRID_COLUMNS[column]}"


@dataclass(frozen=True)
class Region:
    """A named part of the picture: a union of boxes, or everything outside them."""

    name: str
    boxes: tuple[Box, ...]
    outside: bool = False

    def to_json(self) -> dict:
        return {"name": self.name, "boxes": [list(box) for box in self.boxes], "outside": self.outside}

    @classmethod
    def from_json(cls, data: dict) -> Region:
        return cls(name=data["name"], boxes=tuple(tuple(box) for box in data["boxes"]), outside=data["outside"])

    def inverted(self) -> Region:
        name = self.name[len("everything but the ") :] if self.outside else f"everything but the {self.name}"
        return Region(name=name, boxes=self.boxes, outside=not self.outside)

    def hard_mask(self, width: int, height: int) -> np.ndarray:
        """True where the region is, at pixel resolution (a pixel belongs to a box when its centre does)."""
        xs = (np.arange(width) + 0.5) / width
        ys = (np.arange(height) + 0.5) / height
        inside = np.zeros((height, width), dtype=bool)
        for left, top, right, bottom in self.boxes:
            inside |= ((ys >= top) & (ys < bottom))[:, None] & ((xs >= left) & (xs < right))[None, :]
        return ~inside if self.outside else inside

    def mask(self, width: int, height: int) -> Image.Image:
        return soften(self.hard_mask(width, height))


@dataclass(frozen=True)
class PaintedArea:
    """The part of a picture a member painted over on the mask page: a greyscale mask kept beside the uploads,
    white where to repaint, at any size (it is scaled to the picture)."""

    path: str
    name = "painted area"
    outside = False

    def to_json(self) -> dict:
        return {"painted": self.path}

    def hard_mask(self, width: int, height: int) -> np.ndarray:
        with Image.open(self.path) as painted:
            scaled = painted.convert("L").resize((width, height), Image.Resampling.NEAREST)
        return np.asarray(scaled) >= 128

    def mask(self, width: int, height: int) -> Image.Image:
        return soften(self.hard_mask(width, height))


@dataclass(frozen=True)
class ThingArea:
    """A thing named in words ("only the cat"): the service's segmentation model finds it in the picture."""

    thing: str
    outside = False

    @property
    def name(self) -> str:
        return self.thing

    def to_json(self) -> dict:
        return {"thing": self.thing}


# Where an edit may change the picture: named parts, what the member painted, or a thing named in words.
Area = Region | PaintedArea | ThingArea


def region_from_json(data: dict) -> Area:
    if "painted" in data:
        return PaintedArea(data["painted"])
    if "thing" in data:
        return ThingArea(data["thing"])
    return Region.from_json(data)


def soften(inside: np.ndarray) -> Image.Image:
    """A greyscale mask: 255 deep inside, fading to 1 at the region's edge over a few pixels, 0 outside.

    The picture's own border is not an edge: a region reaching it is repainted right up to it."""
    height, width = inside.shape
    feather = max(1.0, FEATHER_SHARE * min(width, height))
    padded = np.pad(inside, 1, constant_values=True)
    depth = distance_transform_edt(padded)[1:-1, 1:-1]
    level = np.clip(np.ceil(255 * depth / feather), 0, 255)
    return Image.fromarray(np.where(inside, np.maximum(level, 1), 0).astype(np.uint8), "L")


def grid_region(cells: set[tuple[int, int]]) -> Region:
    """The cells (row, column) of the 3x3 grid that a member picked."""
    if not cells:
        raise ValueError("pick at least one cell")
    ordered = sorted(cells)
    if any(not (0 <= row < 3 and 0 <= column < 3) for row, column in ordered):
        raise ValueError(f"grid cells are (row, column) from 0 to 2, got {ordered}")
    name = " + ".join(cell_name(row, column) for row, column in ordered)
    return Region(name=name, boxes=tuple(_cell(row, column) for row, column in ordered))


_HALVES = {
    "left half": (0.0, 0.0, 0.5, 1.0),
    "right half": (0.5, 0.0, 1.0, 1.0),
    "top half": (0.0, 0.0, 1.0, 0.5),
    "bottom half": (0.0, 0.5, 1.0, 1.0),
}
_THIRDS = {
    "left third": (0.0, 0.0, THIRD, 1.0),
    "right third": (1 - THIRD, 0.0, 1.0, 1.0),
    "top third": (0.0, 0.0, 1.0, THIRD),
    "bottom third": (0.0, 1 - THIRD, 1.0, 1.0),
}
_CENTRE: Box = (0.25, 0.25, 0.75, 0.75)
REGIONS: dict[str, Region] = {
    **{name: Region(name, (box,)) for name, box in {**_HALVES, **_THIRDS}.items()},
    **{
        cell_name(r, c): Region(cell_name(r, c), (_cell(r, c),)) for r in range(3) for c in range(3) if (r, c) != (1, 1)
    },
    "centre": Region("centre", (_CENTRE,)),
    "border": Region("border", (_CENTRE,), outside=True),
}
# What members call the parts of a picture, mapped onto the vocabulary. Longest phrases are tried first.
_WORDS: dict[str, str] = {
    # halves
    "left half": "left half",
    "right half": "right half",
    "top half": "top half",
    "upper half": "top half",
    "bottom half": "bottom half",
    "lower half": "bottom half",
    "left side": "left half",
    "right side": "right half",
    "moitié gauche": "left half",
    "moitié droite": "right half",
    "moitié haute": "top half",
    "moitié supérieure": "top half",
    "moitié du haut": "top half",
    "moitié basse": "bottom half",
    "moitié inférieure": "bottom half",
    "moitié du bas": "bottom half",
    "côté gauche": "left half",
    "côté droit": "right half",
    "partie gauche": "left half",
    "partie droite": "right half",
    "partie haute": "top half",
    "partie supérieure": "top half",
    "partie basse": "bottom half",
    "partie inférieure": "bottom half",
    # thirds
    "left third": "left third",
    "right third": "right third",
    "top third": "top third",
    "bottom third": "bottom third",
    "tiers gauche": "left third",
    "tiers droit": "right third",
    "tiers supérieur": "top third",
    "tiers du haut": "top third",
    "tiers inférieur": "bottom third",
    "tiers du bas": "bottom third",
    "left": "left third",
    "right": "right third",
    "top": "top third",
    "bottom": "bottom third",
    "gauche": "left third",
    "droite": "right third",
    "haut": "top third",
    "bas": "bottom third",
    # corners and the grid
    "top left corner": "top left",
    "top right corner": "top right",
    "bottom left corner": "bottom left",
    "bottom right corner": "bottom right",
    "upper left corner": "top left",
    "upper right corner": "top right",
    "lower left corner": "bottom left",
    "lower right corner": "bottom right",
    "top left": "top left",
    "top right": "top right",
    "bottom left": "bottom left",
    "bottom right": "bottom right",
    "upper left": "top left",
    "upper right": "top right",
    "lower left": "bottom left",
    "lower right": "bottom right",
    "top centre": "top centre",
    "top center": "top centre",
    "top middle": "top centre",
    "bottom centre": "bottom centre",
    "bottom center": "bottom centre",
    "bottom middle": "bottom centre",
    "middle left": "middle left",
    "centre left": "middle left",
    "center left": "middle left",
    "middle right": "middle right",
    "centre right": "middle right",
    "center right": "middle right",
    "coin supérieur gauche": "top left",
    "coin supérieur droit": "top right",
    "coin inférieur gauche": "bottom left",
    "coin inférieur droit": "bottom right",
    "coin en haut à gauche": "top left",
    "coin en haut à droite": "top right",
    "coin en bas à gauche": "bottom left",
    "coin en bas à droite": "bottom right",
    "haut à gauche": "top left",
    "haut à droite": "top right",
    "bas à gauche": "bottom left",
    "bas à droite": "bottom right",
    "haut gauche": "top left",
    "haut droite": "top right",
    "bas gauche": "bottom left",
    "bas droite": "bottom right",
    "en haut au centre": "top centre",
    "en bas au centre": "bottom centre",
    "haut au centre": "top centre",
    "bas au centre": "bottom centre",
    # centre and border
    "centre": "centre",
    "center": "centre",
    "middle": "centre",
    "milieu": "centre",
    "border": "border",
    "borders": "border",
    "edges": "border",
    "edge": "border",
    "frame": "border",
    "bords": "border",
    "bord": "border",
    "contour": "border",
    "pourtour": "border",
    # parts of a scene, on the fixed vocabulary: the sky above, the ground below, the background around
    "sky": "top half",
    "ciel": "top half",
    "ground": "bottom third",
    "floor": "bottom third",
    "sol": "bottom third",
    "background": "border",
    "arrière-plan": "border",
    "fond": "border",
}
# Names of things in a picture rather than of places: they stay in the instruction ("make only the sky purple"
# repaints the top half with "make the sky purple").
_THINGS = {"sky", "ciel", "ground", "floor", "sol", "background", "arrière-plan", "fond"}
_ARTICLES = r"(?:the\s+|la\s+|le\s+|les\s+|l'|au\s+|aux\s+|du\s+|des\s+|en\s+|à\s+|a\s+)?"
_PHRASES = "|".join(re.escape(phrase) for phrase in sorted(_WORDS, key=len, reverse=True))
_PLACE = rf"(?:(?:in|on|at|of|over|to|for|dans|sur|vers|pour|de|d')\s+)?{_ARTICLES}(?P<place>{_PHRASES})(?:\s+corner)?"
_EXCEPT = (
    r"(?:everything|all|the whole picture|the rest|tout|toute l'image|le reste)\s+"
    r"(?:but|except|apart from|sauf|à part|hormis)\s+"
)
_ONLY = r"(?:only|just|solely|seulement|uniquement|juste|rien que)\s+"
# "only the sky", "just in the top left", "everything but the centre", "seulement le ciel", "tout sauf le bord".
_RESTRICTED = re.compile(rf"(?:(?P<except>{_EXCEPT})|{_ONLY}){_PLACE}\b", re.IGNORECASE)
# "in the top left corner, add a moon" / "top right: a moon" / "dans le coin supérieur droit, ajoute une lune".
_LEADING = re.compile(rf"^{_PLACE}\s*[,:;]\s*", re.IGNORECASE)
# "add a moon in the top right corner": a place at the end of an addition says where it goes.
_TRAILING = re.compile(rf"\s+{_PLACE}$", re.IGNORECASE)

# "make only the corner darker" without its region is "make darker": the verb gets its object back.
_VERB_ALONE = re.compile(r"^(make|turn|paint|colou?r)\s+(?!it\b|the\b|a\b|an\b|everything\b|all\b)", re.IGNORECASE)


@dataclass(frozen=True)
class Located:
    """A turn's instruction with the region it is restricted to taken out of it."""

    region: Region
    instruction: str
    # The words that named the region.
    phrase: str
    # Whether they name a thing of the picture ("the sky"), which the prompt keeps, rather than a place.
    names_a_thing: bool


def _region(place: str, excepted: bool) -> Region:
    region = REGIONS[_WORDS[place.lower()]]
    return region.inverted() if excepted else region


def restricted(text: str) -> Located | None:
    """The region a turn limits itself to ("only", "just", "everything but", a leading place), or None."""
    if match := _RESTRICTED.search(text):
        place, before, rest = match.group("place"), text[: match.start()], text[match.end() :]
        # A thing's name is what the instruction is about ("only the sky in purple"), unless a ":" or a comma
        # follows it: then it only said where ("just the background: make it snowy").
        named = place.lower() in _THINGS and not match.group("except") and not re.match(r"\s*[,:;]", rest)
        if named:
            instruction = _tidy(f"{before} {place} {rest}") if _tidy(before + rest) else ""
        else:
            instruction = _VERB_ALONE.sub(r"\1 it ", _tidy(f"{before} {rest}"))
        return Located(_region(place, bool(match.group("except"))), instruction, match.group(0), named)
    if match := _LEADING.match(text):
        return Located(_region(match.group("place"), False), _tidy(text[match.end() :]), match.group(0), False)
    return None


# "make only the cat orange", "just the car: paint it red", "rends seulement le chat orange".
_ONLY_THING = re.compile(rf"\b{_ONLY}(?P<article>(?:the|le|la|les)\s+|l')(?P<thing>[^\W\d_][\w'-]*)", re.IGNORECASE)


def thing_restricted(text: str) -> tuple[ThingArea, str] | None:
    """A thing a turn limits itself to when it is not a place ("only the cat"), and the instruction without
    "only"; None when the turn names none."""
    match = _ONLY_THING.search(text)
    if match is None:
        return None
    before, rest = text[: match.start()], text[match.end() :]
    if re.match(r"\s*[,:;]", rest):  # "only the cat: make it orange"
        instruction = _tidy(before + " " + re.sub(r"^\s*[,:;]\s*", "", rest))
    else:
        instruction = _tidy(f"{before} {match['article']}{match['thing']}{rest}")
    return ThingArea(match["thing"]), instruction


def placed(text: str) -> Located | None:
    """A place at the end of an addition: "add a moon in the top right corner", "ajoute une lune en haut à droite"."""
    if match := _TRAILING.search(text):
        place = match.group("place")
        named = place.lower() in _THINGS
        return Located(_region(place, False), _tidy(text[: match.start()]), match.group(0).strip(), named)
    return None


# How a prompt says where an added thing is, in English whatever language the member wrote in.
PROMPT_PLACES = {
    "left half": "on the left",
    "right half": "on the right",
    "top half": "at the top",
    "bottom half": "at the bottom",
    "left third": "on the left",
    "right third": "on the right",
    "top third": "at the top",
    "bottom third": "at the bottom",
    "top left": "in the top left corner",
    "top right": "in the top right corner",
    "bottom left": "in the bottom left corner",
    "bottom right": "in the bottom right corner",
    "top centre": "at the top",
    "bottom centre": "at the bottom",
    "middle left": "on the left",
    "middle right": "on the right",
    "centre": "in the centre",
    "border": "around the edges",
}


def _tidy(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip(" ,.:;")
