"""The procedural world the built-in model is trained on.

The default install ships a tiny text-to-image model instead of downloading gigabytes, and it should still draw what it
is told: "a large yellow square in the centre on a blue background" has to come out as exactly that. So the model is
trained on this world, where every picture is generated from a :class:`Scene` and every caption describes that scene
and nothing else. Because the world is closed, every output can be checked on the pixels: :func:`parse_caption` turns
a held-out caption back into the scene it asks for, and :func:`object_mask` / :func:`background_mask` say where each
part of the picture must be and what colour it must have.

Pure Pillow + numpy + stdlib, so data generation and evaluation run anywhere, without torch.

Tokens (:func:`tokens`, :func:`vocabulary`): captions are split on spaces, "," is a token of its own, and a French
elision is cut just after its apostrophe, the apostrophe staying with the article: "de l'orange" reads as
["de", "l'", "orange"]. Every caption the templates can write is made only of :func:`vocabulary` tokens.
"""

from __future__ import annotations

import functools
import math
import random
import re
import zlib
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageDraw

SHAPES = ("circle", "square", "triangle", "star", "heart")
# Saturated and far apart, so that a 64 px picture leaves no doubt about which colour was meant.
COLOURS: dict[str, tuple[int, int, int]] = {
    "red": (220, 30, 30),
    "orange": (255, 140, 0),
    "yellow": (255, 220, 0),
    "green": (30, 160, 50),
    "blue": (30, 70, 220),
    "purple": (130, 40, 170),
    "pink": (255, 130, 190),
    "white": (255, 255, 255),
    "black": (0, 0, 0),
    "brown": (120, 70, 30),
    "grey": (128, 128, 128),
}
SIZES = ("small", "large")
POSITIONS = ("left", "right", "top", "bottom", "centre", "top left", "top right", "bottom left", "bottom right")
# Few pairs on purpose: each one the model must learn costs training samples, and these cover light, dark and mixed.
GRADIENTS: dict[str, tuple[str, str]] = {
    f"{top} to {bottom}": (top, bottom)
    for top, bottom in (
        ("blue", "green"),
        ("red", "yellow"),
        ("purple", "pink"),
        ("black", "blue"),
        ("yellow", "green"),
        ("orange", "purple"),
        ("white", "blue"),
        ("brown", "orange"),
    )
}
SKIES = ("day sky", "night sky", "sunset")
BACKGROUNDS = (*COLOURS, *SKIES, *GRADIENTS)

# Vertical colour stops (0 = top row, 1 = bottom row) of every background.
_STOPS: dict[str, tuple[tuple[float, tuple[int, int, int]], ...]] = {
    **{name: ((0.0, rgb),) for name, rgb in COLOURS.items()},
    "day sky": ((0.0, (70, 150, 230)), (1.0, (175, 215, 245))),
    "night sky": ((0.0, (2, 6, 30)), (1.0, (15, 25, 70))),
    "sunset": ((0.0, (80, 40, 120)), (0.5, (230, 90, 130)), (1.0, (255, 150, 50))),
    **{name: ((0.0, COLOURS[top]), (1.0, COLOURS[bottom])) for name, (top, bottom) in GRADIENTS.items()},
}

# Where each position puts an object's centre, as fractions of the side. Not the thirds of the picture: a large object
# in a corner must stay inside the picture.
_CENTRES = {"left": 0.22, "centre": 0.5, "right": 0.78, "top": 0.22, "bottom": 0.78}
_EXTENTS = {"small": 0.2, "large": 0.4}
# Objects keep this much room between their boxes, so each one lies in its own region and a caption naming its place
# stays true, and so that masks never share a pixel.
_GAP = 0.05
# Redmean colour distance below which an object would blend into the background behind it. It rules out the same
# colour and near pairs (orange on yellow, purple on blue, red on brown, white or blue in a day sky, black at night).
MIN_CONTRAST = 200.0
_SUPERSAMPLE = 4
_NIGHT_STARS = 28


@dataclass(frozen=True)
class Thing:
    shape: str
    colour: str
    size: str
    position: str


@dataclass(frozen=True)
class Scene:
    things: tuple[Thing, ...]
    background: str


# --- geometry ---------------------------------------------------------------------------------------------------------


def _centre(position: str) -> tuple[float, float]:
    words = position.split()
    x = next((_CENTRES[word] for word in words if word in ("left", "right")), 0.5)
    y = next((_CENTRES[word] for word in words if word in ("top", "bottom")), 0.5)
    return x, y


def _box(thing: Thing) -> tuple[float, float, float, float]:
    x, y = _centre(thing.position)
    half = _EXTENTS[thing.size] / 2
    return x - half, y - half, x + half, y + half


@functools.cache
def _collide(a: Thing, b: Thing) -> bool:
    if a.position == b.position:
        return True
    ax0, ay0, ax1, ay1 = _box(a)
    bx0, by0, bx1, by1 = _box(b)
    return ax0 < bx1 + _GAP and bx0 < ax1 + _GAP and ay0 < by1 + _GAP and by0 < ay1 + _GAP


def _fit(points: list[tuple[float, float]]) -> list[tuple[float, float]]:
    # Every shape spans the same box whatever its proportions, so "small" and "large" mean one size for all of them.
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    scale = max(max(xs) - min(xs), max(ys) - min(ys))
    mx, my = (max(xs) + min(xs)) / 2, (max(ys) + min(ys)) / 2
    return [((x - mx) / scale, (y - my) / scale) for x, y in points]


@functools.cache
def _outline(shape: str) -> tuple[tuple[float, float], ...]:
    """The shape as a polygon in a unit box centred on 0, y pointing down."""
    if shape == "circle":
        points = [(math.cos(a), math.sin(a)) for a in np.linspace(0, 2 * math.pi, 96, endpoint=False)]
    elif shape == "square":
        points = [(-1, -1), (1, -1), (1, 1), (-1, 1)]
    elif shape == "triangle":
        points = [(0, -math.sqrt(3) / 2), (1, math.sqrt(3) / 2), (-1, math.sqrt(3) / 2)]
    elif shape == "star":
        # A fat star (inner radius half the outer) keeps its five points readable at 13 px.
        points = [
            (r * math.cos(a), r * math.sin(a))
            for k in range(10)
            for r, a in [((1.0 if k % 2 == 0 else 0.5), -math.pi / 2 + k * math.pi / 5)]
        ]
    elif shape == "heart":
        points = [
            (
                16 * math.sin(t) ** 3,
                -(13 * math.cos(t) - 5 * math.cos(2 * t) - 2 * math.cos(3 * t) - math.cos(4 * t)),
            )
            for t in np.linspace(0, 2 * math.pi, 120, endpoint=False)
        ]
    else:
        raise ValueError(f"unknown shape {shape!r}")
    return tuple(_fit(points))


def _draw(draw: ImageDraw.ImageDraw, thing: Thing, side: int, fill) -> None:
    x, y = _centre(thing.position)
    extent = _EXTENTS[thing.size]
    draw.polygon([((x + u * extent) * side, (y + v * extent) * side) for u, v in _outline(thing.shape)], fill=fill)


# --- colours ----------------------------------------------------------------------------------------------------------


def _background_at(background: str, t: np.ndarray) -> np.ndarray:
    stops = _STOPS[background]
    where = [s[0] for s in stops]
    return np.stack([np.interp(t, where, [s[1][c] for s in stops]) for c in range(3)], axis=-1)


def _distance(a, b) -> float:
    # Redmean: a cheap approximation of perceived difference, much better than plain RGB distance for greens and blues.
    r = (a[0] + b[0]) / 2
    dr, dg, db = (float(a[i]) - float(b[i]) for i in range(3))
    return math.sqrt((2 + r / 256) * dr * dr + 4 * dg * dg + (2 + (255 - r) / 256) * db * db)


@functools.cache
def contrasts(colour: str, background: str, size: str, position: str) -> bool:
    """Whether an object of this colour stands out from the background rows it covers.

    Judged where the object sits, so that a yellow star can shine at the top of a sunset (purple there) but not at the
    bottom (orange there)."""
    _, top, _, bottom = _box(Thing("square", colour, size, position))
    behind = _background_at(background, np.linspace(top, bottom, 9))
    return all(_distance(COLOURS[colour], rgb) >= MIN_CONTRAST for rgb in behind)


def is_valid(scene: Scene) -> bool:
    """Whether the scene belongs to the world: 1 to 3 known objects, each in its own region, each visible."""
    things = scene.things
    if not 1 <= len(things) <= 3 or scene.background not in _STOPS:
        return False
    for thing in things:
        if thing.shape not in SHAPES or thing.colour not in COLOURS:
            return False
        if thing.size not in SIZES or thing.position not in POSITIONS:
            return False
        if not contrasts(thing.colour, scene.background, thing.size, thing.position):
            return False
    return not any(_collide(a, b) for i, a in enumerate(things) for b in things[i + 1 :])


def random_scene(rng: random.Random) -> Scene:
    background = rng.choice(BACKGROUNDS)
    # Weighted towards several objects: binding each colour and place to the right shape is what a small model
    # finds hardest, and single objects still come often enough (and whenever a large one takes the centre).
    count = rng.choice((1, 1, 2, 2, 2, 3, 3))
    things: list[Thing] = []
    for _ in range(count):
        slots = [
            (size, position)
            for position in POSITIONS
            for size in SIZES
            if not any(_collide(Thing("square", "red", size, position), other) for other in things)
        ]
        if not slots:
            break  # a large object in the centre leaves no room: the scene keeps fewer objects
        size, position = rng.choice(slots)
        colours = [colour for colour in COLOURS if contrasts(colour, background, size, position)]
        things.append(Thing(rng.choice(SHAPES), rng.choice(colours), size, position))
    return Scene(tuple(things), background)


# --- pixels -----------------------------------------------------------------------------------------------------------


def render(scene: Scene, size: int = 64) -> Image.Image:
    """The scene as an RGB picture, drawn at 4x and box-filtered down so edges are antialiased and deterministic."""
    side = size * _SUPERSAMPLE
    rows = _background_at(scene.background, (np.arange(side) + 0.5) / side)
    pixels = np.broadcast_to(np.round(rows)[:, None, :], (side, side, 3)).astype(np.uint8)
    image = Image.fromarray(np.ascontiguousarray(pixels), "RGB")
    draw = ImageDraw.Draw(image)
    if scene.background == "night sky":
        # Seeded by the scene, not by a global generator: the same scene always has the same stars, and different
        # scenes have different ones, so the model learns "dots anywhere", not one memorised pattern.
        stars = random.Random(zlib.crc32(repr(scene).encode()))
        radius = side / 96
        for _ in range(_NIGHT_STARS):
            x, y, grey = stars.random() * side, stars.random() * side, stars.randint(190, 255)
            draw.ellipse([x - radius, y - radius, x + radius, y + radius], fill=(grey, grey, grey))
    for thing in scene.things:
        _draw(draw, thing, side, COLOURS[thing.colour])
    return image.resize((size, size), Image.Resampling.BOX)


def coverage(scene: Scene, index: int, size: int = 64) -> np.ndarray:
    """The fraction (0..1) of each pixel that object ``index`` covers, from the same drawing as :func:`render`."""
    side = size * _SUPERSAMPLE
    canvas = Image.new("L", (side, side), 0)
    _draw(ImageDraw.Draw(canvas), scene.things[index], side, 255)
    return np.asarray(canvas.resize((size, size), Image.Resampling.BOX), dtype=np.float32) / 255.0


def object_mask(scene: Scene, index: int, size: int = 64) -> np.ndarray:
    """Pixels at least half covered by object ``index`` (objects never overlap, so nothing hides them)."""
    return coverage(scene, index, size) >= 0.5


def interior(mask: np.ndarray) -> np.ndarray:
    """Pixels of ``mask`` whose four neighbours are in it too: away from the antialiased edge, where the colour is
    exactly the one drawn."""
    inner = mask.copy()
    inner[1:, :] &= mask[:-1, :]
    inner[:-1, :] &= mask[1:, :]
    inner[:, 1:] &= mask[:, :-1]
    inner[:, :-1] &= mask[:, 1:]
    return inner


def background_mask(scene: Scene, size: int = 64) -> np.ndarray:
    """Every pixel no object claims: object masks and this one split the picture exactly."""
    taken = np.zeros((size, size), dtype=bool)
    for index in range(len(scene.things)):
        taken |= object_mask(scene, index, size)
    return ~taken


# --- words ------------------------------------------------------------------------------------------------------------

_EN_COLOURS = {colour: (colour,) for colour in COLOURS} | {"grey": ("grey", "gray")}
_EN_POSITIONS = {
    "left": ("on the left",),
    "right": ("on the right",),
    "top": ("at the top",),
    "bottom": ("at the bottom",),
    "centre": ("in the centre", "in the center", "in the middle"),
    **{
        corner: (f"in the {corner}", f"in the {corner} corner", f"at the {corner}")
        for corner in ("top left", "top right", "bottom left", "bottom right")
    },
}

# French: (masculine, feminine); shapes: (noun, gender).
_FR_SHAPES = {
    "circle": ("cercle", 0),
    "square": ("carré", 0),
    "triangle": ("triangle", 0),
    "star": ("étoile", 1),
    "heart": ("cœur", 0),
}
_FR_COLOURS = {
    "red": ("rouge", "rouge"),
    "orange": ("orange", "orange"),
    "yellow": ("jaune", "jaune"),
    "green": ("vert", "verte"),
    "blue": ("bleu", "bleue"),
    "purple": ("violet", "violette"),
    "pink": ("rose", "rose"),
    "white": ("blanc", "blanche"),
    "black": ("noir", "noire"),
    "brown": ("marron", "marron"),
    "grey": ("gris", "grise"),
}
_FR_SIZES = {"small": ("petit", "petite"), "large": ("grand", "grande")}
_FR_ARTICLES = ("un", "une")
_FR_POSITIONS = {
    "left": ("à gauche",),
    "right": ("à droite",),
    "top": ("en haut",),
    "bottom": ("en bas",),
    "centre": ("au centre", "au milieu"),
    "top left": ("en haut à gauche", "dans le coin supérieur gauche"),
    "top right": ("en haut à droite", "dans le coin supérieur droit"),
    "bottom left": ("en bas à gauche", "dans le coin inférieur gauche"),
    "bottom right": ("en bas à droite", "dans le coin inférieur droit"),
}

# {objs}: the objects in scene order; {prep}: the background as a complement ("on a blue background"), {bare}: as a
# bare noun phrase ("blue background"), {np}: with its article ("a blue background").
_TEMPLATES = {
    "en": (
        "{objs} {prep}",
        "{objs}, {prep}",
        "{objs}, {bare}",
        "{np} with {objs}",
        "{prep}, {objs}",
        "a picture of {objs} {prep}",
        "a drawing of {objs} {prep}",
        "{objs}, all {prep}",
    ),
    "fr": (
        "{objs} {prep}",
        "{objs}, {prep}",
        "{objs}, {bare}",
        "{np} avec {objs}",
        "{prep}, {objs}",
        "une image montrant {objs} {prep}",
        "un dessin représentant {objs} {prep}",
        "{objs}, le tout {prep}",
    ),
}
_GATHERING = ("{objs}, all {prep}", "{objs}, le tout {prep}")
_AND = {"en": "and", "fr": "et"}
LANGUAGES = tuple(_TEMPLATES)


def _a(phrase: str) -> str:
    return ("an " if phrase[0] in "aeiou" else "a ") + phrase


def _en_things(thing: Thing) -> list[str]:
    return [
        f"a {thing.size} {colour} {thing.shape} {position}"
        for colour in _EN_COLOURS[thing.colour]
        for position in _EN_POSITIONS[thing.position]
    ]


def _fr_things(thing: Thing) -> list[str]:
    noun, gender = _FR_SHAPES[thing.shape]
    # Size before the noun, colour after it, both agreeing with the noun's gender: "une petite étoile blanche".
    head = f"{_FR_ARTICLES[gender]} {_FR_SIZES[thing.size][gender]} {noun} {_FR_COLOURS[thing.colour][gender]}"
    return [f"{head} {position}" for position in _FR_POSITIONS[thing.position]]


def _fr_from(colour: str) -> str:
    word = _FR_COLOURS[colour][0]  # colour names as nouns are masculine: "du blanc", not "de la blanche"
    return f"de l'{word}" if word[0] in "aeiouy" else f"du {word}"


def _fr_to(colour: str) -> str:
    word = _FR_COLOURS[colour][0]
    return f"à l'{word}" if word[0] in "aeiouy" else f"au {word}"


def _backgrounds(background: str, language: str) -> dict[str, list[str]]:
    """Every way to say the background, per template slot."""
    if language == "en":
        if background in COLOURS:
            names = [f"{word} background" for word in _EN_COLOURS[background]]
            return {"prep": [f"{p} {_a(n)}" for n in names for p in ("on", "against")], "bare": names, "np": names}
        if background in GRADIENTS:
            top, bottom = GRADIENTS[background]
            names = [
                form
                for t in _EN_COLOURS[top]
                for b in _EN_COLOURS[bottom]
                for form in (f"gradient from {t} to {b}", f"{t} to {b} gradient")
            ]
            return {"prep": [f"on {_a(n)}" for n in names], "bare": names, "np": names}
        names = {
            "day sky": ["day sky", "bright day sky"],
            "night sky": ["night sky", "starry night sky"],
            "sunset": ["sunset", "sunset sky"],
        }[background]
        preps = {
            "day sky": ["in a day sky", "against a bright day sky"],
            "night sky": ["in a night sky", "against a starry night sky"],
            "sunset": ["in a sunset sky", "against a sunset"],
        }[background]
        return {"prep": preps, "bare": names, "np": names}
    if background in COLOURS:
        word = _FR_COLOURS[background][0]  # "fond" is masculine
        return {"prep": [f"sur fond {word}", f"sur un fond {word}"], "bare": [f"fond {word}"], "np": [f"fond {word}"]}
    if background in GRADIENTS:
        top, bottom = GRADIENTS[background]
        name = f"dégradé {_fr_from(top)} {_fr_to(bottom)}"
        return {"prep": [f"sur un {name}", f"sur fond {name}"], "bare": [name], "np": [name]}
    names = {
        "day sky": ["ciel de jour"],
        "night sky": ["ciel de nuit", "ciel étoilé"],
        "sunset": ["coucher de soleil"],
    }[background]
    preps = {
        "day sky": ["dans un ciel de jour"],
        "night sky": ["dans un ciel de nuit", "dans un ciel étoilé"],
        "sunset": ["devant un coucher de soleil", "sur fond de coucher de soleil"],
    }[background]
    return {"prep": preps, "bare": names, "np": names}


def _background_phrases(background: str, language: str) -> dict[str, list[str]]:
    forms = _backgrounds(background, language)
    # Every background noun takes "un"/"a", so the article is added here once rather than in each table.
    article = _a if language == "en" else (lambda phrase: f"un {phrase}")
    return {**forms, "np": [article(phrase) for phrase in forms["np"]]}


def _thing_phrases(thing: Thing, language: str) -> list[str]:
    return _en_things(thing) if language == "en" else _fr_things(thing)


def caption(scene: Scene, rng: random.Random, language: str) -> str:
    """A lowercase caption of the scene in "en" or "fr", its template and wording drawn from ``rng``."""
    if language not in _TEMPLATES:
        raise ValueError(f"unknown language {language!r}")
    templates = _TEMPLATES[language]
    if len(scene.things) == 1:
        # "all on a blue background" / "le tout sur fond bleu" gather several objects; with one they read oddly.
        templates = tuple(t for t in templates if t not in _GATHERING)
    template = rng.choice(templates)
    phrases = [rng.choice(_thing_phrases(thing, language)) for thing in scene.things]
    objs = phrases[0] if len(phrases) == 1 else f"{', '.join(phrases[:-1])} {_AND[language]} {phrases[-1]}"
    slots = {slot: rng.choice(choices) for slot, choices in _background_phrases(scene.background, language).items()}
    return template.format(objs=objs, **slots)


# --- reading captions back --------------------------------------------------------------------------------------------


@functools.cache
def _all_things() -> tuple[Thing, ...]:
    return tuple(
        Thing(shape, colour, size, position)
        for shape in SHAPES
        for colour in COLOURS
        for size in SIZES
        for position in POSITIONS
    )


@functools.cache
def _thing_table(language: str) -> dict[str, Thing]:
    return {phrase: thing for thing in _all_things() for phrase in _thing_phrases(thing, language)}


@functools.cache
def _background_table(language: str) -> dict[str, dict[str, str]]:
    table: dict[str, dict[str, str]] = {"prep": {}, "bare": {}, "np": {}}
    for background in BACKGROUNDS:
        for slot, phrases in _background_phrases(background, language).items():
            for phrase in phrases:
                table[slot][phrase] = background
    return table


def _alternation(phrases) -> str:
    # Longest first, so that "en haut à gauche" is never read as "en haut" followed by leftovers.
    return "|".join(re.escape(p) for p in sorted(set(phrases), key=len, reverse=True))


@functools.cache
def _patterns(language: str) -> tuple[re.Pattern, ...]:
    # The object pattern only finds the boundaries; each object phrase is then looked up whole, so a caption with a
    # wrong agreement ("une petit étoile") is not read as if it were right.
    words = {
        "en": (
            "an?",
            _alternation(SIZES),
            _alternation(w for ws in _EN_COLOURS.values() for w in ws),
            _alternation(SHAPES),
            _alternation(p for ps in _EN_POSITIONS.values() for p in ps),
        ),
        "fr": (
            "une?",
            _alternation(w for ws in _FR_SIZES.values() for w in ws),
            _alternation(noun for noun, _ in _FR_SHAPES.values()),
            _alternation(w for ws in _FR_COLOURS.values() for w in ws),
            _alternation(p for ps in _FR_POSITIONS.values() for p in ps),
        ),
    }[language]
    one = " ".join(f"(?:{w})" for w in words)
    objs = f"(?P<objs>{one}(?:, {one})*(?: {_AND[language]} {one})?)"
    backgrounds = _background_table(language)
    patterns = []
    for template in _TEMPLATES[language]:
        parts = re.split(r"(\{\w+\})", template)
        regex = ""
        for part in parts:
            if part == "{objs}":
                regex += objs
            elif part.startswith("{"):
                slot = part[1:-1]
                regex += f"(?P<{slot}>{_alternation(backgrounds[slot])})"
            else:
                regex += re.escape(part)
        patterns.append(re.compile(regex))
    return tuple(patterns)


def _normal(text: str) -> str:
    return " ".join(text.lower().replace("\u2019", "'").split()).rstrip(".")


def language_of(text: str) -> str | None:
    """The language (a key of ``LANGUAGES``) a caption of this world is written in, or None."""
    text = _normal(text)
    return next((language for language in _TEMPLATES if any(p.fullmatch(text) for p in _patterns(language))), None)


def parse_caption(text: str) -> Scene | None:
    """The scene a caption describes (EN or FR, any template), or None if it is not a caption of this world."""
    text = _normal(text)
    for language in _TEMPLATES:
        things_table, backgrounds = _thing_table(language), _background_table(language)
        for pattern in _patterns(language):
            match = pattern.fullmatch(text)
            if match is None:
                continue
            phrases = re.split(f", | {_AND[language]} ", match["objs"])
            things = [things_table.get(phrase) for phrase in phrases]
            slot = next(name for name in ("prep", "bare", "np") if match.groupdict().get(name) is not None)
            if None in things or not 1 <= len(things) <= 3:
                continue
            return Scene(tuple(things), backgrounds[slot][match[slot]])
    return None


# --- vocabulary and datasets ------------------------------------------------------------------------------------------


def tokens(text: str) -> list[str]:
    """The words of a caption: split on spaces, "," on its own, "l'orange" as "l'" + "orange"."""
    out: list[str] = []
    for word in text.replace(",", " , ").split():
        head, apostrophe, tail = word.partition("'")
        out.extend([head + apostrophe, tail] if apostrophe and tail else [word])
    return out


@functools.cache
def _vocabulary() -> tuple[str, ...]:
    words = {",", *_AND.values()}
    for language, templates in _TEMPLATES.items():
        for template in templates:
            words.update(tokens(re.sub(r"\{\w+\}", " ", template)))
        words.update(w for phrase in _thing_table(language) for w in tokens(phrase))
        for table in _background_table(language).values():
            words.update(w for phrase in table for w in tokens(phrase))
    return tuple(sorted(words))


def vocabulary() -> list[str]:
    """Every token (see :func:`tokens`) any caption can contain, sorted."""
    return list(_vocabulary())


# One scene in HELD_OUT_EVERY is never trained on, so that an evaluation can ask for pictures the model never saw.
HELD_OUT_EVERY = 16


def is_held_out(scene: Scene) -> bool:
    """Whether the scene is kept out of training (the same scene whatever the order its objects are listed in)."""
    things = sorted((thing.shape, thing.colour, thing.size, thing.position) for thing in scene.things)
    return zlib.crc32(repr((things, scene.background)).encode()) % HELD_OUT_EVERY == 0


def samples(
    seed: int, count: int, languages: tuple[str, ...] = LANGUAGES, held_out: bool = False
) -> Iterator[tuple[Scene, str]]:
    """``count`` (scene, caption) pairs, the same ones for the same seed and languages.

    Training scenes by default; ``held_out=True`` gives only the scenes training never sees.
    """
    rng = random.Random(seed)
    produced = 0
    while produced < count:
        scene = random_scene(rng)
        if is_held_out(scene) != held_out:
            continue
        produced += 1
        yield scene, caption(scene, rng, rng.choice(languages))
