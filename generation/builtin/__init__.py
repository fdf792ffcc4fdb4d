"""The built-in model the project trains itself: a procedural world of coloured shapes with captions in English
and French (``world``), a tokenizer over its words (``tokenizer``), and the training and evaluation commands."""

from pathlib import Path

# The committed weights of ``builtin:tiny``: an ordinary diffusers folder, plus the defaults it declares
# (atelier.json) and how it was trained (training.json, loss.png).
WEIGHTS = Path(__file__).parent / "weights"
