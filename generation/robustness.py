"""``python -m generation.robustness``: how often a copy that lost its credential resolves to its signed original.

Originals are pictures of the built-in model's world (shapes on coloured, sky and gradient backgrounds) drawn at
320 px, half of them flat as drawn and half with the texture and grain of a diffusion output (smooth 1/f noise). Each
is published exactly as the service publishes an output (watermark, perceptual hash, local features, C2PA
credential, stored and recorded), together with two relatives: an edit (one shape recoloured) and a variation (one
shape moved), both recorded as its edits, so a copy that resolves to a relative counts as wrong. Each original is
then copied seven ways without its metadata and looked up through the resolver's own path; pictures that are no
copy of anything (other scenes, never one drawn already, and noise) check that nothing matches them.

It prints, per transformation, the share resolved to the right original, the wrong originals, the copies not found
and which signal found the right one; with ``--json FILE`` it writes the figures.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import random
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import numpy as np
from PIL import Image, ImageEnhance

from atelier.config import ProvenanceConfig
from atelier.logs import configure_logging
from generation.api.resolver import lookup, query_of
from generation.builtin.world import COLOURS, POSITIONS, Scene, is_valid, random_scene, render
from generation.database import DatabaseThread
from generation.jobs.model import EditSpec, GenerateSpec, Job, Sampling
from generation.provenance import Provenance, signing_material
from generation.publishing import Publisher
from generation.store import BlobStore, ImageStore, open_database

SIDE = 320


def _copy(picture: Image.Image, fmt: str = "PNG", **options) -> bytes:
    buffer = io.BytesIO()
    picture.convert("RGB").save(buffer, format=fmt, **options)
    return buffer.getvalue()


def _resized(picture: Image.Image, scale: float) -> Image.Image:
    return picture.resize((round(picture.width * scale), round(picture.height * scale)), Image.Resampling.BICUBIC)


def _cropped(picture: Image.Image, share: float) -> Image.Image:
    left, top = round(picture.width * share), round(picture.height * share)
    return picture.crop((left, top, picture.width - left, picture.height - top))


TRANSFORMS: dict[str, Callable[[Image.Image], bytes]] = {
    "re-saved without metadata": lambda picture: _copy(picture),
    "JPEG 75": lambda picture: _copy(picture, "JPEG", quality=75),
    "WebP 80": lambda picture: _copy(picture, "WEBP", quality=80),
    "resized to half": lambda picture: _copy(_resized(picture, 0.5)),
    "resized to 0.8x": lambda picture: _copy(_resized(picture, 0.8)),
    "cropped 10 % per side": lambda picture: _copy(_cropped(picture, 0.1)),
    "brightened 10 %": lambda picture: _copy(ImageEnhance.Brightness(picture.convert("RGB")).enhance(1.1)),
}


def textured(picture: Image.Image, rng: np.random.Generator) -> Image.Image:
    """The picture with the fine texture and grain a diffusion model leaves: 1/f noise plus a little white noise."""
    height, width = picture.height, picture.width
    spectrum = rng.normal(size=(height, width)) + 1j * rng.normal(size=(height, width))
    frequencies = np.hypot(*np.meshgrid(np.fft.fftfreq(width), np.fft.fftfreq(height)))
    frequencies[0, 0] = 1.0
    noise = np.real(np.fft.ifft2(spectrum / frequencies))
    noise = noise / noise.std() * 10 + rng.normal(scale=3, size=(height, width))
    pixels = np.asarray(picture.convert("RGB"), dtype=np.float64) + noise[:, :, None]
    return Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8))


def _relative(scene: Scene, rng: random.Random, change: str) -> Scene:
    """The scene with its first shape recoloured (an edit) or moved (a variation), still a valid scene."""
    thing = scene.things[0]
    options = [colour for colour in COLOURS if colour != thing.colour] if change == "colour" else list(POSITIONS)
    rng.shuffle(options)
    for option in options:
        changed = replace(thing, colour=option) if change == "colour" else replace(thing, position=option)
        candidate = replace(scene, things=(changed, *scene.things[1:]))
        if changed != thing and is_valid(candidate):
            return candidate
    return replace(scene, background=next(colour for colour in COLOURS if colour != scene.background))


class Bench:
    def __init__(self, folder: Path) -> None:
        self.db = open_database(folder / "service.db")
        self.images = ImageStore(folder / "images", self.db)
        self.database = DatabaseThread()
        provenance = Provenance(signing_material(ProvenanceConfig(), folder))
        blobs = BlobStore(folder / "blobs")
        self.publisher = Publisher(self.images, blobs, provenance, self.database, "builtin", 2, 1)

    async def publish(self, picture: Image.Image, parent: str | None = None) -> str:
        sampling = Sampling("a picture", "", 1, 1.0, (0,))
        if parent is None:
            spec = GenerateSpec(sampling, picture.width, picture.height, public=True)
        else:
            spec = EditSpec(sampling, 0.5, picture.width, picture.height, parent=parent, public=True)
        [result] = await self.publisher.publish(Job(spec=spec, kind=spec.kind), [picture], [None])
        return result.id

    async def resolve(self, data: bytes) -> list:
        picture = Image.open(io.BytesIO(data)).convert("RGB")
        return await lookup(self.images, self.database, await query_of(picture), picture)

    def close(self) -> None:
        self.publisher.close()
        self.database.close()


async def run(count: int, unrelated: int, seed: int, log=sys.stderr) -> dict:
    rng, noise = random.Random(seed), np.random.default_rng(seed)
    with tempfile.TemporaryDirectory() as folder:
        bench = Bench(Path(folder))
        try:
            started = time.perf_counter()
            originals = []
            published: set[Scene] = set()
            for index in range(count):
                scene = random_scene(rng)
                published.add(scene)
                finish = (lambda picture: textured(picture, noise)) if index % 2 else (lambda picture: picture)
                picture = finish(render(scene, SIDE))
                original = await bench.publish(picture)
                for change in ("colour", "position"):
                    relative = _relative(scene, rng, change)
                    published.add(relative)
                    await bench.publish(finish(render(relative, SIDE)), parent=original)
                originals.append((original, Image.open(io.BytesIO(bench.images.read(original)))))
            print(f"published {count * 3} images in {time.perf_counter() - started:.0f} s", file=log)
            rows = {}
            started = time.perf_counter()
            for name, transform in TRANSFORMS.items():
                right, wrong, missed, signals = 0, 0, 0, Counter()
                for original, picture in originals:
                    found = await bench.resolve(transform(picture))
                    if not found:
                        missed += 1
                    elif found[0].image_id == original:
                        right += 1
                        signals[found[0].signal] += 1
                    else:
                        wrong += 1
                rows[name] = {"right": right, "wrong": wrong, "missed": missed, "signals": dict(signals)}
                print(f"{name}: {right}/{count} right", file=log)
            false_matches = 0
            for index in range(unrelated):
                if index % 2:
                    # A scene drawn already is the same picture, not an unrelated one: the world has few.
                    while (scene := random_scene(rng)) in published:
                        pass
                    other = render(scene, SIDE)
                else:
                    other = Image.fromarray(noise.integers(0, 256, (SIDE, SIDE, 3), dtype=np.uint8))
                false_matches += bool(await bench.resolve(_copy(textured(other, noise) if index % 4 == 1 else other)))
            lookups = count * len(TRANSFORMS) + unrelated
            seconds = time.perf_counter() - started
        finally:
            bench.close()
    return {
        "originals": count,
        "stored": count * 3,
        "transforms": rows,
        "unrelated": unrelated,
        "false_matches": false_matches,
        "ms_per_lookup": round(seconds / lookups * 1000, 1),
    }


def table(figures: dict) -> str:
    count = figures["originals"]
    lines = [
        f"{count} originals ({count * 3} stored images with their edits and variations), {SIDE} px",
        "| copy | resolved to its original | wrong original | not found | found by |",
        "|---|---|---|---|---|",
    ]
    for name, row in figures["transforms"].items():
        found_by = ", ".join(f"{signal} {number}" for signal, number in sorted(row["signals"].items()))
        lines.append(
            f"| {name} | {row['right'] / count:.1%} ({row['right']}) | {row['wrong']} | {row['missed']} | {found_by} |"
        )
    lines.append(
        f"{figures['unrelated']} unrelated pictures: {figures['false_matches']} matched; "
        f"{figures['ms_per_lookup']} ms per lookup"
    )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m generation.robustness", description=__doc__.split("\n\n")[0])
    parser.add_argument("--images", type=int, default=200, help="originals (each stored with two relatives)")
    parser.add_argument("--unrelated", type=int, default=1000, help="pictures that are no copy of anything")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args(argv)
    if args.images < 1 or args.unrelated < 0:
        parser.error("--images must be at least 1 and --unrelated at least 0")
    configure_logging("warning")  # one line per stored image would bury the table
    figures = asyncio.run(run(args.images, args.unrelated, args.seed))
    print(table(figures))
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
