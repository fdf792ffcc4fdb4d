"""``python -m bot console``: the conversation engine in a terminal, one line in, one turn out.

The first line is the first prompt; every later line is a turn, exactly as in a Discord thread ("make it
night", "#1", "undo", "new: a red car"). Lines starting with "/" mirror the buttons: /variations [n],
/reroll [n], /upscale [n], /provenance [n], /quit; after a line it could not read as an edit, /add adds it to the
prompt as written and /new draws it as a new image. /tree prints the conversation's images as a tree (what made
each one, and its cost) and draws it to tree.png. /model lists the service's models, and /model NAME before the
first prompt draws the conversation with that one. Each image is saved and printed as "#3 /abs/path/3.png".
Works with piped input too.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import TextIO

from atelier.config import Config
from bot.conversation.engine import Conversations, TurnError, TurnResult
from bot.conversation.tree import tree_png, tree_text
from bot.costs import cost_text
from bot.lifecycle import lines
from bot.moderation_gate import PromptGate, build_moderator
from bot.service_client import GenerationClient, JobStatus, ServiceRejected, ServiceUnavailable
from bot.storage import BotStore
from moderation import output

COMMANDS = (
    "variations", "reroll", "upscale", "provenance", "tree", "undo", "add", "new", "model", "quit", "exit", "help"
)  # fmt: skip


class Console:
    def __init__(self, engine: Conversations, conversation: str, folder: Path, out: TextIO, err: TextIO) -> None:
        self.engine = engine
        self.conversation = conversation
        self.folder = folder
        self.out = out
        self.err = err
        self.interactive = out.isatty()
        # The last line no rule could read, which /add and /new act on.
        self.unclear: int | None = None

    async def handle(self, line: str) -> bool:
        """Run one line; False when the user asked to quit."""
        line = line.strip()
        if not line:
            return True
        try:
            if line.startswith("/"):
                return await self._command(line[1:])
            if self.engine.store.count(self.conversation) == 0:
                result = await self.engine.imagine(self.conversation, None, line, progress=self._progress)
            else:
                result = await self.engine.say(self.conversation, None, line, progress=self._progress)
        except TurnError as error:
            self._clear_progress()
            print(f"! {error}", file=self.err, flush=True)
            return True
        self._show(result)
        return True

    async def _command(self, text: str) -> bool:
        name, _, argument = text.partition(" ")
        name = name.lower()
        if name in ("quit", "exit"):
            return False
        if name == "help" or name not in COMMANDS:
            print(__doc__.split("\n\n", 1)[1].strip(), file=self.out, flush=True)
            return True
        if name == "model":
            await self._model(argument.strip())
            return True
        if name in ("add", "new"):
            if self.unclear is None:
                raise TurnError("/add and /new follow a line I could not read as an edit.")
            turn, self.unclear = self.unclear, None
            self._show(await self.engine.settle(self.conversation, turn, name, None, self._progress))
            return True
        current = self.engine.store.current(self.conversation)
        if current is None:
            raise TurnError("There is no image yet: type a prompt first.")
        if name == "tree":
            self._tree(current.number)
            return True
        number = _number(argument, current.number)
        if name == "undo":
            result = self.engine.undo(self.conversation, number)
        elif name == "provenance":
            await self._provenance(number)
            return True
        else:
            action = {
                "variations": self.engine.variations,
                "reroll": self.engine.reroll,
                "upscale": self.engine.upscale,
            }
            result = await action[name](self.conversation, number, None, self._progress)
        self._show(result)
        return True

    async def _model(self, name: str) -> None:
        """List the service's models (the conversation's marked), or choose one before the first prompt."""
        try:
            models = [model for model in (await self.engine.client.models()).models if model.kind != "instruct"]
        except (ServiceUnavailable, ServiceRejected) as exc:
            raise TurnError(f"The service's models could not be read: {exc}") from exc
        names = [model.name for model in models]
        chosen = self.engine.store.conversation_model(self.conversation) or next(
            (model.name for model in models if model.default), None
        )
        if not name:
            shown = ", ".join(f"{each} (this conversation)" if each == chosen else each for each in names)
            print(f"models: {shown}", file=self.out, flush=True)
            return
        if name not in names:
            raise TurnError(f"There is no model called {name}: the service has {', '.join(names)}.")
        if self.engine.store.count(self.conversation) and name != chosen:
            raise TurnError(f"This conversation draws with {chosen}: start the console again for another model.")
        self.engine.store.set_conversation_model(self.conversation, name)
        print(f"model: {name}", file=self.out, flush=True)

    def _tree(self, current: int) -> None:
        images = self.engine.store.images(self.conversation)
        print(tree_text(images, current), file=self.out, flush=True)
        path = self.folder / "tree.png"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(tree_png(images, current))
        print(f"tree: {path}", file=self.out, flush=True)

    async def _provenance(self, number: int) -> None:
        image = self.engine.image(self.conversation, number)
        if image.service_id is None:
            raise TurnError(f"#{number} is your own picture: it has no Atelier credential.")
        try:
            report = await self.engine.client.provenance(image.service_id)
        except (ServiceUnavailable, ServiceRejected) as exc:
            raise TurnError(f"The credential could not be read: {exc}") from exc
        chain = " <- ".join(entry["image"] or entry["title"] for entry in report["chain"]) or "none"
        actions = ", ".join(action["action"] for action in report["actions"])
        print(
            f"#{number} C2PA: {report['validation_state']} ({report['trusted_by']}); actions: {actions}; "
            f"model: {(report.get('parameters') or {}).get('model', '?')}; parents: {chain}",
            file=self.out,
            flush=True,
        )
        print(f"  signed original: {self.engine.client.image_url(image.service_id)}", file=self.out, flush=True)

    def _show(self, result: TurnResult) -> None:
        self._clear_progress()
        current = result.current
        print(f"{result.understood}", file=self.out, flush=True)
        self.unclear = result.turn if result.unclear else None
        if result.unclear:
            print("  /add: add it to the prompt as written · /new: draw it as a new image", file=self.out, flush=True)
            return
        if not result.made:
            print(f"#{current.number} {self._path(current.number)}", file=self.out, flush=True)
            return
        for made in result.made:
            if made.outcome == "hold":
                print(f"! #{made.image.number} was held back: the image check found explicit content.", file=self.err)
                continue
            path = self._path(made.image.number)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(made.png)
            print(f"#{made.image.number} {path}", file=self.out, flush=True)
        negative = current.state.negative_prompt()
        print(
            f"  prompt: {current.prompt}" + (f" | without: {negative}" if negative else "") + f" | seed {current.seed}"
            f" | {current.width}x{current.height} | {current.model} | {result.elapsed_ms / 1000:.1f} s"
            + (f" | {cost}" if (cost := cost_text(current)) else ""),
            file=self.out,
            flush=True,
        )

    def _path(self, number: int) -> Path:
        return (self.folder / f"{number}.png").resolve()

    async def _progress(self, status: JobStatus) -> None:
        if not self.interactive:
            return
        if status.state == "queued":
            text = f"queued, position {status.queue_position}"
        else:
            text = f"step {status.step}/{status.total_steps}"
        print(f"\r  {text:<40}", end="", file=self.out, flush=True)

    def _clear_progress(self) -> None:
        if self.interactive:
            print("\r" + " " * 44 + "\r", end="", file=self.out, flush=True)


def _number(argument: str, default: int) -> int:
    argument = argument.strip().lstrip("#")
    if not argument:
        return default
    if not argument.isdigit():
        raise TurnError(f"{argument!r} is not an image number.")
    return int(argument)


async def run_console(config: Config, url: str, stdin: TextIO, out: TextIO, err: TextIO) -> int:
    conversation = f"console-{time.strftime('%Y%m%d-%H%M%S')}"
    folder = Path(config.bot.console_dir) / conversation
    store = BotStore(Path(config.bot.database))
    store.open_conversation(conversation, surface="console", title=conversation)
    async with GenerationClient(url, config.service.token) as client:
        gate = PromptGate(
            store,
            build_moderator(config.moderation, Path(config.bot.database).parent / "cache"),
            config.moderation.preset,
            output.detector(config.moderation.output_check == "auto"),
            config.moderation.output_action,
            config.moderation.likeness,
        )
        engine = Conversations(store, client, config.bot, Path(config.bot.console_dir) / "uploads", gate)
        console = Console(engine, conversation, folder, out, err)
        if console.interactive:
            print("Atelier console: type a prompt, then talk to it. /help for commands, /quit to leave.", file=out)
        if console.interactive:
            print("> ", end="", file=out, flush=True)
        async for line in lines(stdin):
            if not await console.handle(line):
                break
            if console.interactive:
                print("> ", end="", file=out, flush=True)
    store.db.close()
    return 0
