"""The story of a conversation: its images as a tree of generations, edits, branches and uploads.

Each image is a node under the image it was made from, with its number, what was done to make it, whether
moderation rewrote its prompt, and what it cost on the device. The same tree is written as text (for the console
and a Discord embed) and drawn as a PNG with matplotlib.
"""

from __future__ import annotations

import io
import textwrap
from collections.abc import Iterator
from dataclasses import dataclass

from bot.costs import JOULES_PER_WATT_HOUR, cost_text
from bot.i18n import _
from bot.storage import StoredImage

# A drawing of more images than this shows the latest ones (and says so): past it, boxes get too small to read.
MAX_DRAWN = 60
# Characters per line of an action in a drawn box.
BOX_WIDTH = 24
KIND_COLOURS = {
    "generate": "#cfe3ff",
    "edit": "#d5f5d5",
    "instruct": "#ffe2c2",
    "upscale": "#eadcff",
    "upload": "#e6e6e6",
}


def action_of(image: StoredImage) -> str:
    """What was done to make an image, as the bot understood it; for images recorded before actions were kept,
    what its kind says."""
    if image.action:
        return image.action
    if image.kind == "upload":
        return _("A member's picture")
    if image.parent is None:
        return _("New image")
    if image.kind == "upscale":
        return _("Upscale of #{number}", number=image.parent)
    return _("Edit of #{number}", number=image.parent)


@dataclass(frozen=True)
class Node:
    image: StoredImage
    children: tuple[Node, ...]


def build(images: list[StoredImage]) -> list[Node]:
    """The conversation's trees, oldest root first: every image under its parent, children in the order made. An
    image whose parent isn't among ``images`` is a root of its own."""
    numbers = {image.number for image in images}
    children: dict[int | None, list[StoredImage]] = {}
    for image in sorted(images, key=lambda each: each.number):
        parent = image.parent if image.parent in numbers else None
        children.setdefault(parent, []).append(image)

    def node(image: StoredImage) -> Node:
        return Node(image, tuple(node(child) for child in children.get(image.number, ())))

    return [node(root) for root in children.get(None, [])]


def _walk(nodes: list[Node] | tuple[Node, ...], depth: int = 0) -> Iterator[tuple[int, Node, bool]]:
    """Every node depth first, with its depth and whether it is the last of its siblings."""
    for index, node in enumerate(nodes):
        yield depth, node, index == len(nodes) - 1
        yield from _walk(node.children, depth + 1)


def describe(image: StoredImage) -> str:
    """One line about an image: number, action, moderation, cost."""
    parts = [f"#{image.number} {action_of(image)}"]
    if image.sent_prompt:
        parts.append(_("prompt rewritten by moderation: “{prompt}”", prompt=image.sent_prompt))
    if (cost := cost_text(image)) is not None:
        parts.append(cost)
    return " · ".join(parts)


def tree_text(images: list[StoredImage], current: int | None = None, limit: int | None = None) -> str:
    """The tree as indented lines (the current image marked ◀); at most ``limit`` characters, the rest counted."""
    lines: list[str] = []
    prefixes: list[str] = []
    for depth, node, last in _walk(build(images)):
        del prefixes[depth:]
        branch = ("└─ " if last else "├─ ") if depth else ""
        mark = " ◀" if node.image.number == current else ""
        lines.append("".join(prefixes) + branch + describe(node.image) + mark)
        prefixes.append(("   " if last else "│  ") if depth else "")
    lines.append(totals(images))
    text = "\n".join(lines)
    if limit is None or len(text) <= limit:
        return text
    kept: list[str] = []
    for line in lines:
        more = _("… and {count} more lines", count=len(lines) - len(kept))
        if len("\n".join([*kept, line, more])) > limit:
            return "\n".join([*kept, more])
        kept.append(line)
    return text


def totals(images: list[StoredImage]) -> str:
    """The whole conversation's device time and energy."""
    counted = [image for image in images if image.device_seconds is not None and image.joules is not None]
    seconds = sum(image.device_seconds for image in counted)
    watt_hours = sum(image.joules for image in counted) / JOULES_PER_WATT_HOUR
    return _(
        "Images: {count} · {seconds} s GPU, {energy} Wh in all",
        count=len(images),
        seconds=format(seconds, ".3g"),
        energy=("~" if any(image.energy_estimated for image in counted) else "") + format(watt_hours, ".2g"),
    )


def tree_png(images: list[StoredImage], current: int | None = None, title: str = "") -> bytes:
    """The tree drawn as boxes joined by arrows, parents above their children; the latest ``MAX_DRAWN`` images."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot
    from matplotlib.patches import FancyArrowPatch

    shown = sorted(images, key=lambda image: image.number)[-MAX_DRAWN:]
    positions: dict[int, tuple[float, int]] = {}
    next_leaf = 0

    def place(node: Node, depth: int) -> float:
        nonlocal next_leaf
        if node.children:
            spots = [place(child, depth + 1) for child in node.children]
            x = (spots[0] + spots[-1]) / 2
        else:
            x, next_leaf = next_leaf, next_leaf + 1
        positions[node.image.number] = (x, depth)
        return x

    for root in build(shown):
        place(root, 0)
    depth = max((row for _x, row in positions.values()), default=0) + 1
    figure, axes = pyplot.subplots(figsize=(max(4.0, 2.6 * next_leaf), max(2.5, 1.9 * depth)), dpi=100)
    try:
        axes.set_xlim(-0.6, next_leaf - 0.4)
        axes.set_ylim(depth - 0.45, -0.55)
        axes.axis("off")
        heading = title or _("The story of this conversation")
        if len(shown) < len(images):
            heading += " · " + _("the latest {count} of {total} images", count=len(shown), total=len(images))
        axes.set_title(heading, fontsize=11)
        for image in shown:
            x, row = positions[image.number]
            if image.parent in positions:
                parent_x, parent_row = positions[image.parent]
                axes.add_patch(
                    FancyArrowPatch(
                        (parent_x, parent_row + 0.3), (x, row - 0.3), arrowstyle="-|>", mutation_scale=12, color="#666"
                    )
                )
            label = "\n".join(
                [
                    f"#{image.number}",
                    *textwrap.wrap(action_of(image), BOX_WIDTH, max_lines=2, placeholder="…"),
                    *([_("rewritten by moderation")] if image.sent_prompt else []),
                    *([cost] if (cost := cost_text(image)) else []),
                ]
            )
            axes.text(
                x,
                row,
                label,
                ha="center",
                va="center",
                fontsize=8,
                bbox={
                    "boxstyle": "round,pad=0.4",
                    "facecolor": KIND_COLOURS.get(image.kind, "#ffffff"),
                    "edgecolor": "#d4480b" if image.number == current else "#555555",
                    "linewidth": 2.5 if image.number == current else 0.8,
                },
            )
        figure.text(0.01, 0.01, totals(images), fontsize=8, color="#444")
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png", bbox_inches="tight")
        return buffer.getvalue()
    finally:
        pyplot.close(figure)
