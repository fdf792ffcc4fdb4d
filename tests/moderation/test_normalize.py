import pytest

from moderation.normalize import fold

EVASIONS = [
    ("\u0415l\u043en Mu\u0455k", "elon musk"),  # Cyrillic look-alikes
    ("E\u200blon\u2060 Mu\u00adsk", "elon musk"),  # zero-width space, word joiner, soft hyphen
    ("E\u202elon Musk", "elon musk"),  # bidi override
    ("Ｅｌｏｎ Ｍｕｓｋ", "elon musk"),  # fullwidth
    ("𝐄𝐥𝐨𝐧 𝐌𝐮𝐬𝐤", "elon musk"),  # mathematical bold
    ("Élon Müsk", "elon musk"),  # accents
    ("E̷l̷o̷n̷ M̷u̷s̷k̷", "elon musk"),  # combining marks
    ("3l0n mu5k", "elon musk"),  # leet
    ("e l o n  m u s k", "elon musk"),  # spelled out
    ("E.L.O.N. Musk", "elon musk"),
    ("e-l-o-n musk", "elon musk"),
    ("eeelon muuusk", "elon musk"),  # repeats
    ("@elonmusk", "elonmusk"),  # a handle's @ is not an a
]


@pytest.mark.parametrize(("typed", "folded"), EVASIONS, ids=[case[0] for case in EVASIONS])
def test_evasions_fold_to_the_plain_name(typed, folded):
    assert fold(typed) == folded


@pytest.mark.parametrize(
    ("typed", "folded"),
    [
        ("a swift river, at dawn!", "a swift river | at dawn"),
        ("3 cats and 2 dogs", "3 cats and 2 dogs"),
        ("The Three Musketeers", "the three musketeers"),
        ("it teems with fish", "it teems with fish"),
    ],
)
def test_ordinary_text_keeps_its_words(typed, folded):
    assert fold(typed) == folded
