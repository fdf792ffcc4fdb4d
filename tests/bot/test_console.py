import io
import re
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from atelier.config import Config
from bot.console import run_console
from generation.builtin.judge import judge
from generation.builtin.world import Scene, Thing


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return False


async def converse(service, tmp_path: Path, *lines: str) -> tuple[str, str]:
    config = Config().with_overrides(
        bot={"database": str(tmp_path / "bot.db"), "console_dir": str(tmp_path / "console")}
    )
    out, err = Terminal(), Terminal()
    url = str(service.make_url("")).rstrip("/")
    assert await run_console(config, url, io.StringIO("\n".join(lines) + "\n"), out, err) == 0
    return out.getvalue(), err.getvalue()


def printed_images(output: str) -> dict[int, Path]:
    return {int(number): Path(path) for number, path in re.findall(r"^#(\d+) (/\S+\.png)$", output, re.MULTILINE)}


async def test_a_piped_conversation_prints_each_image_with_its_number(client, tmp_path):
    output, errors = await converse(
        client, tmp_path, "a lighthouse on a cliff", "make it night", "#1", "plus de couleurs", "#9", "/variations"
    )

    images = printed_images(output)
    assert sorted(images) == [1, 2, 3, 4, 5]
    assert all(path.is_absolute() and path.is_file() and path.name == f"{n}.png" for n, path in images.items())
    assert all(path.is_relative_to(tmp_path / "console") for path in images.values())
    assert "Edit (lighting) of #1" in output
    assert "prompt: a lighthouse on a cliff, at night" in output
    assert "Back to #1" in output
    assert "Edit (colour) of #1" in output
    assert "prompt: a lighthouse on a cliff, vibrant colors" in output
    assert "Variations of #3" in output
    assert errors.strip() == "! There is no image #9 in this conversation (it has 3 images)."


async def test_provenance_undo_and_quit(client, tmp_path):
    output, errors = await converse(
        client, tmp_path, "a boat", "add a sail", "/provenance", "/undo", "/quit", "this line is never read"
    )
    assert "#2 C2PA: Trusted (local development CA); actions: c2pa.opened, c2pa.edited" in output
    assert "signed original: http://127.0.0.1" in output
    assert "Back to #1" in output
    assert "never read" not in output
    assert errors == ""


async def test_each_result_shows_the_model_and_what_it_cost(client, tmp_path):
    output, _ = await converse(client, tmp_path, "a lighthouse on a cliff")
    details = next(line for line in output.splitlines() if line.lstrip().startswith("prompt:"))
    assert "| builtin:random |" in details
    # On the CPU the energy is estimated from device time: marked with ~.
    assert re.search(r"\| [\d.e-]+ s GPU, ~[\d.e-]+ Wh$", details), details


# The README's conversation, at a fixed seed: the test checks the pictures, and a seed makes them the same each run.
CONVERSATION_SEED = 1
CIRCLE = Thing("circle", "red", "small", "left")
STAR = Thing("star", "green", "small", "right")


async def test_the_readmes_conversation_with_the_builtin_model_does_what_it_says(trained_client, tmp_path, monkeypatch):
    monkeypatch.setattr("bot.conversation.engine.new_seed", lambda: CONVERSATION_SEED)
    output, errors = await converse(
        trained_client,
        tmp_path,
        "a small red circle on the left and a green star on the right, on a grey background",
        "make the background blue",
        "make the circle yellow",
        "/upscale",
        "#1",
    )
    assert errors == ""
    assert "prompt: a small yellow circle on the left and a green star on the right, on a blue background" in output
    images = {number: Image.open(path).convert("RGB") for number, path in printed_images(output).items()}
    assert {number: image.size for number, image in images.items()} == {
        1: (64, 64),
        2: (64, 64),
        3: (64, 64),
        4: (128, 128),
    }
    # On the pixels: each picture has the background, the objects, and each object the colour and side, its prompt
    # says; an edit changed what it was asked to and kept the rest.
    scenes = {
        1: Scene(things=(CIRCLE, STAR), background="grey"),
        2: Scene(things=(CIRCLE, STAR), background="blue"),
        3: Scene(things=(replace(CIRCLE, colour="yellow"), STAR), background="blue"),
    }
    for number, scene in scenes.items():
        verdict = judge(images[number], scene)
        assert verdict.all, (number, verdict)
    assert "Back to #1" in output


async def test_a_region_turn_changes_only_that_region(client, tmp_path):
    output, errors = await converse(client, tmp_path, "a red house in a field", "make only the left half night")
    assert errors == ""
    assert "Edit (lighting) of #1, only the left half" in output
    images = printed_images(output)
    parent = np.asarray(Image.open(images[1]).convert("RGB"))
    edited = np.asarray(Image.open(images[2]).convert("RGB"))
    width = parent.shape[1]
    assert (edited[:, width // 2 :] == parent[:, width // 2 :]).all(), "the right half is kept pixel for pixel"
    assert (edited[:, : width // 4] != parent[:, : width // 4]).any(), "the left half was repainted"


async def test_zoom_out_and_a_new_aspect_keep_the_picture_exactly_where_it_lands(client, tmp_path):
    output, errors = await converse(client, tmp_path, "a red house in a field", "zoom out 2x", "#1", "make it 16:9")
    assert errors == ""
    assert "Zoom out 2x of #1" in output and "#1 reframed to 16:9" in output
    images = printed_images(output)
    first = np.asarray(Image.open(images[1]).convert("RGB"))
    zoomed = np.asarray(Image.open(images[2]).convert("RGB"))
    wide = np.asarray(Image.open(images[3]).convert("RGB"))
    height, width = first.shape[:2]
    assert zoomed.shape[:2] == (height * 2, width * 2)
    top, left = height // 2, width // 2
    assert (zoomed[top : top + height, left : left + width] == first).all()
    assert wide.shape[1] * 9 == pytest.approx(wide.shape[0] * 16, rel=0.1) and wide.shape[0] == height
    left = (wide.shape[1] - width) // 2
    assert (wide[:, left : left + width] == first).all()


async def test_a_line_no_rule_reads_is_offered_to_add_or_to_draw_anew(client, tmp_path):
    output, errors = await converse(
        client,
        tmp_path,
        "a lighthouse on a cliff",
        'The lamp should say "HELLO"',
        "/add",
        "a ship sailing past",
        "/new",
        "/add",
    )
    assert 'I can\'t read “The lamp should say "HELLO"” as an edit of #1' in output
    assert "/add: add it to the prompt as written" in output
    assert "Edit (detail) of #1" in output
    assert 'prompt: a lighthouse on a cliff, The lamp should say "HELLO"' in output
    assert "prompt: a ship sailing past |" in output
    assert sorted(printed_images(output)) == [1, 2, 3]
    assert errors.strip() == "! /add and /new follow a line I could not read as an edit."


async def test_model_lists_the_services_models_and_picks_one_for_the_conversation(start_service, tmp_path):
    async with start_service(models={"shapes": {"path": "builtin:tiny", "steps": 3}}) as service:
        output, errors = await converse(
            service, tmp_path, "/model", "/model sdxl", "/model shapes", "a large red circle", "make it blue",
            "/model builtin:random",
        )  # fmt: skip

    assert "models: builtin:random (this conversation), shapes" in output
    assert "model: shapes" in output
    details = [line for line in output.splitlines() if line.lstrip().startswith("prompt:")]
    assert len(details) == 2 and all("| shapes |" in line for line in details)
    assert errors.splitlines() == [
        "! There is no model called sdxl: the service has builtin:random, shapes.",
        "! This conversation draws with shapes: start the console again for another model.",
    ]


async def test_a_line_no_rule_reads_goes_to_the_instruction_edit_model_when_there_is_one(
    start_service, instruct_folder, tmp_path
):
    async with start_service(model={"edit_path": str(instruct_folder)}) as service:
        output, errors = await converse(
            service, tmp_path, "a lighthouse on a cliff", 'The lamp should say "HELLO"', "/reroll", "/model"
        )

    assert errors == ""
    assert 'Edit by instruction of #1: “The lamp should say "HELLO"”' in output
    assert "Re-roll of #2" in output
    assert sorted(printed_images(output)) == [1, 2, 3]
    details = [line for line in output.splitlines() if line.lstrip().startswith("prompt:")]
    assert ["| instruct |" in line for line in details] == [False, True, True]
    # It edits only: it is not offered as a model to draw with.
    assert "models: builtin:random (this conversation)\n" in output


@pytest.mark.parametrize(
    ("found", "said"),
    [
        ("everywhere", "Edit (recolour) of #1, only the cat"),
        ("nowhere", "! I can't find “cat” in #1: name a part instead (the left half, the top right…), or use the"),
        (None, "! Changing only “cat” needs a segmentation model on the image service: name a part instead"),
    ],
)
async def test_only_a_thing_named_in_words_is_masked_by_the_segmentation_model(
    start_service, segmentation_folders, tmp_path, found, said
):
    model = {"segmentation_path": str(segmentation_folders[found])} if found else {}
    async with start_service(model=model) as service:
        output, errors = await converse(service, tmp_path, "a cat on a sofa", "make only the cat orange")

    assert said in output + errors
    assert sorted(printed_images(output)) == ([1, 2] if found == "everywhere" else [1])


async def test_tree_shows_every_image_under_the_one_it_was_made_from(client, tmp_path):
    output, errors = await converse(client, tmp_path, "a boat", "make it night", "#1", "plus de couleurs", "/tree")
    assert errors == ""
    tree = output[output.index("#1 New image") :]
    lines = tree.splitlines()
    assert lines[0].startswith("#1 New image · ")
    assert lines[1].startswith("├─ #2 Edit (lighting) of #1 · ")
    assert lines[2].startswith("└─ #3 Edit (colour) of #1 · ") and lines[2].endswith("◀")
    assert re.match(r"Images: 3 · [\d.e-]+ s GPU, ~[\d.e-]+ Wh in all", lines[3])
    drawing = Path(re.search(r"^tree: (/\S+\.png)$", output, re.MULTILINE).group(1))
    assert Image.open(drawing).size[0] > 200
