"""Measure whether the built-in model draws what it is told, on the pixels, through the generation service.

    python -m generation.builtin.evaluate [--model builtin:tiny|DIR] [--captions 200] [--edits 100] [--seed 1]
                                         [--steps N] [--guidance G] [--device cpu|cuda] [--threads N] [--json FILE]

A service is started in this process on the model (real HTTP on loopback, the same routes the bot uses), then:

* generation: ``--captions`` held-out captions (scenes training never saw, :func:`world.is_held_out`), in English
  and French, each drawn once; :mod:`judge` checks the background, each object's colour and side, and the count;
* edits: pictures that came out right are edited through ``/v1/edit`` the way a conversation would, in turn:
  a new background colour, an object recoloured, an object added, an object removed, and a region edit (a mask
  over one object, recolouring it). An edit is obeyed when the new picture passes the judge against the edited
  scene; a region edit must also leave every pixel outside its mask as it was.

It prints the rates beside the project's targets and, with ``--json``, writes them to a file.
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
from dataclasses import dataclass, field, replace
from pathlib import Path

import aiohttp
import numpy as np
from aiohttp.test_utils import TestServer
from PIL import Image, ImageFilter

from atelier.config import BUILTIN_MODEL, Config
from atelier.logs import configure_logging
from generation.api import keys
from generation.builtin import world
from generation.builtin.judge import Verdict, judge
from generation.builtin.world import COLOURS, SHAPES, SIZES, Scene, Thing
from generation.imaging import encode_png
from generation.service import StartupError, build_service

TARGETS = {"background": 0.97, "object_colour": 0.90, "left_right": 0.85, "count": 0.80, "edits": 0.85}
EDIT_KINDS = ("background", "recolour", "add", "remove", "region")
# The strengths the conversation uses for these kinds of edits (bot/conversation/understanding.py).
STRENGTHS = {"background": 0.6, "recolour": 0.6, "add": 0.7, "remove": 0.75, "region": 0.8}
CONCURRENCY = 8
# A region edit's mask reaches this many pixels beyond the object it covers.
MASK_MARGIN = 2


@dataclass
class Tally:
    hits: int = 0
    total: int = 0

    def add(self, ok: bool) -> None:
        self.hits += bool(ok)
        self.total += 1

    @property
    def rate(self) -> float | None:
        return self.hits / self.total if self.total else None


@dataclass
class Results:
    background: Tally = field(default_factory=Tally)
    object_colour: Tally = field(default_factory=Tally)
    left_right: Tally = field(default_factory=Tally)
    top_bottom: Tally = field(default_factory=Tally)
    count: Tally = field(default_factory=Tally)
    whole: Tally = field(default_factory=Tally)
    edits: dict[str, Tally] = field(default_factory=lambda: {kind: Tally() for kind in EDIT_KINDS})

    def record(self, scene: Scene, verdict: Verdict) -> None:
        self.background.add(verdict.background)
        self.count.add(verdict.count)
        self.whole.add(verdict.all)
        for thing, colour_ok, side_ok in zip(scene.things, verdict.colours, verdict.sides, strict=True):
            self.object_colour.add(colour_ok)
            words = thing.position.split()
            if "left" in words or "right" in words:
                self.left_right.add(side_ok)
            if "top" in words or "bottom" in words:
                self.top_bottom.add(side_ok)

    def edits_obeyed(self) -> Tally:
        return Tally(sum(t.hits for t in self.edits.values()), sum(t.total for t in self.edits.values()))

    def to_json(self) -> dict:
        def figure(tally: Tally) -> dict:
            return {"rate": tally.rate, "hits": tally.hits, "total": tally.total}

        return {
            "background": figure(self.background),
            "object_colour": figure(self.object_colour),
            "left_right": figure(self.left_right),
            "top_bottom": figure(self.top_bottom),
            "count": figure(self.count),
            "all": figure(self.whole),
            "edits": figure(self.edits_obeyed()),
            "edits_by_kind": {kind: figure(tally) for kind, tally in self.edits.items()},
        }


# --- edits of a scene ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class EditCase:
    kind: str
    scene: Scene
    # Which object a region edit repaints.
    index: int | None = None


def _valid(scenes) -> list[Scene]:
    return [scene for scene in scenes if world.is_valid(scene)]


def edited_scene(scene: Scene, kind: str, rng: random.Random) -> EditCase | None:
    """The scene after an edit of ``kind``, chosen at random among the valid ones, or None if none is."""
    things = scene.things
    if kind == "background":
        options = _valid(Scene(things, colour) for colour in COLOURS if colour != scene.background)
        return EditCase(kind, rng.choice(options)) if options else None
    if kind in ("recolour", "region"):
        options = [
            (index, candidate)
            for index, thing in enumerate(things)
            for candidate in _valid(
                Scene((*things[:index], replace(thing, colour=colour), *things[index + 1 :]), scene.background)
                for colour in COLOURS
                if colour != thing.colour
            )
        ]
        if not options:
            return None
        index, candidate = rng.choice(options)
        return EditCase(kind, candidate, index)
    if kind == "add":
        options = _valid(
            Scene((*things, Thing(shape, colour, size, position)), scene.background)
            for shape in SHAPES
            for colour in COLOURS
            for size in SIZES
            for position in world.POSITIONS
        )
        return EditCase(kind, rng.choice(options)) if options else None
    if kind == "remove":
        options = _valid(Scene(things[:index] + things[index + 1 :], scene.background) for index in range(len(things)))
        return EditCase(kind, rng.choice(options)) if options else None
    raise ValueError(f"unknown edit kind {kind!r}")


def region_mask(scene: Scene, index: int, size: int) -> Image.Image:
    """White over object ``index`` and a small margin around it, black elsewhere."""
    covered = Image.fromarray((world.object_mask(scene, index, size) * 255).astype(np.uint8), "L")
    return covered.filter(ImageFilter.MaxFilter(2 * MASK_MARGIN + 1))


# --- talking to the service ---------------------------------------------------------------------------------------


class Service:
    def __init__(self, session: aiohttp.ClientSession, url: str, sampling: dict):
        self.session, self.url, self.sampling = session, url, sampling
        self.slots = asyncio.Semaphore(CONCURRENCY)

    async def picture(self, image_id: str) -> Image.Image:
        async with self.session.get(f"{self.url}/v1/images/{image_id}") as response:
            response.raise_for_status()
            return Image.open(io.BytesIO(await response.read())).convert("RGB")

    async def _first_picture(self, answer: dict) -> tuple[str, Image.Image]:
        image_id = answer["images"][0]["id"]
        return image_id, await self.picture(image_id)

    async def _post(self, path: str, **kwargs) -> dict:
        async with self.session.post(f"{self.url}{path}", **kwargs) as response:
            if response.status != 200:
                raise RuntimeError(f"{path} answered {response.status}: {await response.text()}")
            return await response.json()

    async def generate(self, prompt: str, seed: int) -> tuple[str, Image.Image]:
        async with self.slots:
            answer = await self._post("/v1/generate", json={"prompt": prompt, "seed": seed, **self.sampling})
            return await self._first_picture(answer)

    async def edit(
        self, parent: str, prompt: str, seed: int, strength: float, mask: Image.Image | None
    ) -> tuple[str, Image.Image]:
        params = {"parent": parent, "prompt": prompt, "seed": seed, "strength": strength, **self.sampling}
        async with self.slots:
            if mask is None:
                answer = await self._post("/v1/edit", json=params)
            else:
                form = aiohttp.FormData()
                form.add_field("params", json.dumps(params), content_type="application/json")
                mask_png = encode_png(mask, compress_level=1)
                form.add_field("mask", mask_png, filename="mask.png", content_type="image/png")
                answer = await self._post("/v1/edit", data=form)
            return await self._first_picture(answer)


# --- the evaluation -----------------------------------------------------------------------------------------------


@dataclass
class Options:
    model: str = BUILTIN_MODEL
    captions: int = 200
    edits: int = 100
    seed: int = 1
    steps: int | None = None
    guidance: float | None = None
    device: str = "cpu"
    threads: int | None = None
    json: Path | None = None


async def _generations(service: Service, options: Options, results: Results) -> list[tuple[str, Scene, str]]:
    """Draw every held-out caption; return (image id, scene, language) of the pictures that came out right."""
    cases = list(world.samples(options.seed, options.captions, held_out=True))

    async def one(index: int, scene: Scene, caption: str):
        image_id, picture = await service.generate(caption, options.seed * 100_003 + index)
        return image_id, scene, caption, judge(picture, scene)

    passed = []
    for image_id, scene, caption, verdict in await asyncio.gather(*(one(i, *case) for i, case in enumerate(cases))):
        results.record(scene, verdict)
        if verdict.all:
            passed.append((image_id, scene, world.language_of(caption)))
    return passed


async def _edits(service: Service, parents: list[tuple[str, Scene, str]], options: Options, results: Results) -> None:
    rng = random.Random(options.seed)
    planned = []
    for number, (image_id, scene, language) in enumerate(parents):
        if len(planned) >= options.edits:
            break
        case = edited_scene(scene, EDIT_KINDS[number % len(EDIT_KINDS)], rng)
        if case is not None:
            planned.append((number, image_id, scene, language, case))

    async def one(number: int, image_id: str, scene: Scene, language: str, case: EditCase) -> None:
        prompt = world.caption(case.scene, rng, language)
        mask = region_mask(scene, case.index, 64) if case.kind == "region" else None
        parent_picture = await service.picture(image_id) if mask is not None else None
        _, picture = await service.edit(image_id, prompt, 7_000_000 + number, STRENGTHS[case.kind], mask)
        obeyed = judge(picture, case.scene).all
        if mask is not None:
            outside = np.asarray(mask.resize(picture.size)) == 0
            before, after = np.asarray(parent_picture, dtype=np.int16), np.asarray(picture, dtype=np.int16)
            obeyed = obeyed and bool(np.abs(after - before)[outside].max(initial=0) <= 1)
        results.edits[case.kind].add(obeyed)

    await asyncio.gather(*(one(*item) for item in planned))


async def evaluate(options: Options) -> dict:
    started = time.monotonic()
    results = Results()
    with tempfile.TemporaryDirectory(prefix="atelier-evaluate-") as scratch:
        config = Config().with_overrides(
            service={"data_dir": scratch, "max_queue": 10_000},
            model={"path": options.model, "device": options.device, "threads": options.threads or 0},
        )
        app = build_service(config)
        sampling = {key: value for key, value in (("steps", options.steps), ("guidance", options.guidance)) if value}
        async with TestServer(app, host="127.0.0.1") as server, aiohttp.ClientSession() as session:
            service = Service(session, str(server.make_url("")).rstrip("/"), sampling)
            parents = await _generations(service, options, results)
            await _edits(service, parents, options, results)
        shelf = app[keys.BACKEND]
        defaults = shelf.defaults(shelf.default_name)
    return {
        "model": options.model,
        "held_out_captions": options.captions,
        "seed": options.seed,
        "sampling": {
            "width": defaults.width,
            "height": defaults.height,
            "steps": defaults.steps,
            "guidance": defaults.guidance,
            **sampling,
        },
        "seconds": round(time.monotonic() - started, 1),
        **results.to_json(),
    }


def report(summary: dict) -> str:
    lines = [f"model {summary['model']}: {summary['held_out_captions']} held-out captions, {summary['seconds']} s"]
    rows = [
        ("background", summary["background"], TARGETS["background"]),
        ("object colour", summary["object_colour"], TARGETS["object_colour"]),
        ("left/right", summary["left_right"], TARGETS["left_right"]),
        ("top/bottom", summary["top_bottom"], None),
        ("object count", summary["count"], TARGETS["count"]),
        ("whole picture", summary["all"], None),
        ("edits obeyed", summary["edits"], TARGETS["edits"]),
        *((f"  {kind}", summary["edits_by_kind"][kind], None) for kind in EDIT_KINDS),
    ]
    for label, figure, target in rows:
        rate = "n/a" if figure["rate"] is None else f"{figure['rate']:6.1%}"
        line = f"{label:15} {rate:>7}  {figure['hits']}/{figure['total']}"
        if target is not None:
            missed = figure["rate"] is not None and figure["rate"] < target
            line += f"  (target {target:.0%}{', missed' if missed else ''})"
        lines.append(line)
    return "\n".join(lines)


def parse_args(argv: list[str] | None) -> Options:
    parser = argparse.ArgumentParser(prog="python -m generation.builtin.evaluate", description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", default=BUILTIN_MODEL, help="builtin:tiny (default) or a diffusers folder")
    parser.add_argument("--captions", type=int, default=200, help="held-out captions to draw")
    parser.add_argument("--edits", type=int, default=100, help="edits of the pictures that came out right")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--steps", type=int, default=None, help="default: what the model declares")
    parser.add_argument("--guidance", type=float, default=None, help="default: what the model declares")
    parser.add_argument("--device", default="cpu", help="cpu, cuda or auto")
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--json", type=Path, default=None, help="also write the figures to this file")
    return Options(**vars(parser.parse_args(argv)))


def main(argv: list[str] | None = None) -> int:
    options = parse_args(argv)
    if options.captions < 1 or options.edits < 0:
        print("--captions must be at least 1 and --edits at least 0", file=sys.stderr)
        return 2
    if options.model != BUILTIN_MODEL and not options.model.startswith("builtin:"):
        options.model = str(Path(options.model).resolve())
    configure_logging("error")
    try:
        summary = asyncio.run(evaluate(options))
    except StartupError as exc:
        print(f"evaluate: {exc}", file=sys.stderr)
        return 2
    print(report(summary))
    if options.json:
        options.json.write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
