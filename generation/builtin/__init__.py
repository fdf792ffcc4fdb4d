"""The built-in model the project trains itself: a procedural world of coloured shapes with captions in English
and French (``world``), a tokenizer over its words (``tokenizer``), and the training and evaluation commands."""
