"""The built-in model's tokenizer: CLIP's byte-level BPE, with merges learned from the world's vocabulary so
that each of its words is one token (a tiny text encoder learns a word far better than its letters), while any
other text still tokenizes, byte by byte."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

from tokenizers import Regex, Tokenizer, models, normalizers, pre_tokenizers, trainers
from transformers import CLIPTokenizer

START_TOKEN = "<|startoftext|>"
END_TOKEN = "<|endoftext|>"
END_OF_WORD = "</w>"
MAX_LENGTH = 77
# CLIP's own text preparation, so the merges learned here are the ones CLIPTokenizer will meet.
_PIECES = r"""<\|startoftext\|>|<\|endoftext\|>|'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+"""


def _clip_like() -> Tokenizer:
    tokenizer = Tokenizer(models.BPE(end_of_word_suffix=END_OF_WORD, continuing_subword_prefix=""))
    tokenizer.normalizer = normalizers.Sequence(
        [normalizers.NFC(), normalizers.Replace(Regex(r"\s+"), " "), normalizers.Lowercase()]
    )
    tokenizer.pre_tokenizer = pre_tokenizers.Sequence(
        [
            pre_tokenizers.Split(Regex(_PIECES), behavior="removed", invert=True),
            pre_tokenizers.ByteLevel(add_prefix_space=False),
        ]
    )
    return tokenizer


def learn_merges(words: Iterable[str]) -> tuple[dict[str, int], list[str]]:
    """A vocabulary and merges in which every piece of ``words`` is a single token; every byte stays one too."""
    alphabet = sorted(pre_tokenizers.ByteLevel.alphabet())
    trainer = trainers.BpeTrainer(
        # Large enough that merging only stops when every word is whole.
        vocab_size=1_000_000,
        min_frequency=0,
        show_progress=False,
        initial_alphabet=alphabet,
        end_of_word_suffix=END_OF_WORD,
        special_tokens=[START_TOKEN, END_TOKEN],
    )
    tokenizer = _clip_like()
    tokenizer.train_from_iterator(sorted(set(words)), trainer=trainer)
    model = json.loads(tokenizer.to_str())["model"]
    merges = [merge if isinstance(merge, list) else merge.split(" ") for merge in model["merges"]]
    # The trainer numbers tokens in no fixed order; these ids depend on the words alone, so the files do too.
    tokens = [START_TOKEN, END_TOKEN, *alphabet, *(char + END_OF_WORD for char in alphabet)]
    tokens.extend(left + right for left, right in merges)
    vocab = {token: index for index, token in enumerate(dict.fromkeys(tokens))}
    return vocab, [f"{left} {right}" for left, right in merges]


def write_tokenizer(folder: Path, words: Iterable[str]) -> CLIPTokenizer:
    """``vocab.json`` and ``merges.txt`` in ``folder``, and the CLIPTokenizer reading them."""
    vocab, merges = learn_merges(words)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "vocab.json").write_text(json.dumps(vocab, ensure_ascii=False), encoding="utf-8")
    (folder / "merges.txt").write_text("#version: 0.2\n" + "\n".join(merges) + "\n", encoding="utf-8")
    return CLIPTokenizer(str(folder / "vocab.json"), str(folder / "merges.txt"), model_max_length=MAX_LENGTH)
