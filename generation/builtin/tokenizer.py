"""The built-in model's tokenizer: CLIP's byte-level BPE, with merges learned from the world's vocabulary so
that each of its words is one token (a tiny text encoder learns a word far better than its letters), while any
other text still tokenizes, byte by byte."""

from __future__ import annotations

import itertools
import json
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

from tokenizers import Regex, Tokenizer, models, normalizers, pre_tokenizers
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
    """A vocabulary and merges in which every piece of ``words`` is a single token; every byte stays one too.

    Byte-pair encoding learned here rather than with tokenizers' trainer, which breaks ties between equally
    frequent pairs in no fixed order: the ids are what the text encoder's rows are tied to, so the same words
    must give the same files. Ties go to the smallest pair."""
    splitter = _clip_like()
    pieces = set()
    for word in words:
        normalized = splitter.normalizer.normalize_str(word)
        pieces.update(piece for piece, _span in splitter.pre_tokenizer.pre_tokenize_str(normalized))
    spelled = [(*piece[:-1], piece[-1] + END_OF_WORD) for piece in sorted(pieces)]
    merges: list[tuple[str, str]] = []
    while True:
        counts = Counter(pair for symbols in spelled for pair in itertools.pairwise(symbols))
        if not counts:
            break
        best = min(counts, key=lambda pair: (-counts[pair], pair))
        merges.append(best)
        spelled = [_merge(symbols, best) for symbols in spelled]
    alphabet = sorted(pre_tokenizers.ByteLevel.alphabet())
    tokens = [START_TOKEN, END_TOKEN, *alphabet, *(char + END_OF_WORD for char in alphabet)]
    tokens.extend(left + right for left, right in merges)
    vocab = {token: index for index, token in enumerate(dict.fromkeys(tokens))}
    return vocab, [f"{left} {right}" for left, right in merges]


def _merge(symbols: tuple[str, ...], pair: tuple[str, str]) -> tuple[str, ...]:
    merged, index = [], 0
    while index < len(symbols):
        if symbols[index : index + 2] == pair:
            merged.append(pair[0] + pair[1])
            index += 2
        else:
            merged.append(symbols[index])
            index += 1
    return tuple(merged)


def write_tokenizer(folder: Path, words: Iterable[str]) -> CLIPTokenizer:
    """``vocab.json`` and ``merges.txt`` in ``folder``, and the CLIPTokenizer reading them."""
    vocab, merges = learn_merges(words)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "vocab.json").write_text(json.dumps(vocab, ensure_ascii=False), encoding="utf-8")
    (folder / "merges.txt").write_text("#version: 0.2\n" + "\n".join(merges) + "\n", encoding="utf-8")
    return CLIPTokenizer(str(folder / "vocab.json"), str(folder / "merges.txt"), model_max_length=MAX_LENGTH)
