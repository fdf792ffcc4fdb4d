"""The built-in model's tokenizer: every word of its world is one token, and any other text still tokenizes."""

import pytest

from generation.builtin.tokenizer import END_TOKEN, START_TOKEN, write_tokenizer
from generation.builtin.world import vocabulary

WORDS = ["a", "large", "yellow", "square", "in", "the", "centre", "center", "un", "grand", "carré", "étoile", "à", ","]


@pytest.fixture(scope="module")
def tokenizer(tmp_path_factory):
    return write_tokenizer(tmp_path_factory.mktemp("tokenizer"), WORDS)


@pytest.mark.parametrize("word", WORDS)
def test_each_world_word_is_one_token(tokenizer, word):
    tokens = tokenizer.convert_ids_to_tokens(tokenizer(word)["input_ids"])
    assert tokens[0] == START_TOKEN and tokens[-1] == END_TOKEN
    assert len(tokens) == 3


def test_a_caption_is_as_many_tokens_as_words(tokenizer):
    assert len(tokenizer("un grand carré jaune au centre")["input_ids"]) > 2
    assert len(tokenizer("a large yellow square in the centre")["input_ids"]) == 2 + 7


def test_words_outside_the_world_still_tokenize_byte_by_byte(tokenizer):
    ids = tokenizer("zebra ✨")["input_ids"]
    assert tokenizer.unk_token_id not in ids[1:-1]
    assert tokenizer.decode(ids, skip_special_tokens=True) == "zebra ✨"


def test_the_same_words_give_the_same_files(tmp_path):
    write_tokenizer(tmp_path / "one", vocabulary())
    write_tokenizer(tmp_path / "two", list(reversed(vocabulary())))
    for name in ("vocab.json", "merges.txt"):
        assert (tmp_path / "one" / name).read_bytes() == (tmp_path / "two" / name).read_bytes()


def test_every_word_of_the_world_is_one_token(tmp_path):
    words = vocabulary()
    tokenizer = write_tokenizer(tmp_path, words)
    for word in words:
        pieces = tokenizer.convert_ids_to_tokens(tokenizer(word, add_special_tokens=False)["input_ids"])
        # An elided article keeps its apostrophe apart, as CLIP's text splitting does ("l'" -> "l", "'").
        assert len(pieces) == (2 if word.endswith("'") else 1), (word, pieces)
