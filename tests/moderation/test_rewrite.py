"""Rewrites that read as English: the noun or modifier form, articles that agree, no doubled words."""

import re

import pytest

from moderation.engine import Moderator
from moderation.policy import Policy
from moderation.ruleset import Category, Entity, load_ruleset, make_ruleset

BALANCED = Policy()


def brand(name, neutral, modifier="", context=(), common_word=False):
    return Entity(name, Category.BRAND, neutral=neutral, modifier=modifier, context=context, common_word=common_word)


ENTITIES = (
    brand("Rolex", "a luxury wristwatch", "luxury", ("watch", "wristwatch")),
    brand("Netflix", "a video streaming service", "streaming service"),
    brand("Dom Pérignon", "a vintage champagne", "vintage", ("champagne", "bottle")),
    brand("Red Bull", "an energy drink", "energy drink", ("can", "energy drink"), common_word=True),
    brand("Apple", "a consumer electronics device", "consumer electronics", ("iphone", "macbook"), True),
    brand("iPhone", "a modern smartphone", "smartphone"),
    brand("Acme Widgets", "an industrial gadget"),
    brand("Oreo", "a chocolate sandwich cookie", "cookie"),
    brand("Postman Pat", "a cartoon postman with a cat", context=("mail van",)),
)


@pytest.fixture(scope="module")
def moderator() -> Moderator:
    base = load_ruleset()
    return Moderator(make_ruleset(ENTITIES, base.safety, base.brand_context))


@pytest.mark.parametrize(
    ("text", "rewritten"),
    [
        ("a Rolex on a table", "a luxury wristwatch on a table"),
        ("Rolex on a marble table", "A luxury wristwatch on a marble table"),
        ("a gold Rolex watch", "a gold luxury watch"),
        ("a gold Rolex", "a gold luxury wristwatch"),
        ("the Netflix logo", "the streaming service logo"),
        ("a poster for Netflix", "a poster for a video streaming service"),
        ("a bottle of Dom Pérignon champagne", "a bottle of vintage champagne"),
        ("a can of Red Bull", "a can of an energy drink"),
        ("a Red Bull energy drink", "an energy drink"),
        ("an Apple iPhone on a desk", "a modern smartphone on a desk"),
        ("A Acme Widgets box", "An industrial box"),
        ("an Acme Widgets", "an industrial gadget"),
        ("a man eating an Oreo", "a man eating a chocolate sandwich cookie"),
        ("two Rolex watches", "two luxury watches"),
        ("a McDonald's-free Rolex's strap", "a McDonald's-free luxury wristwatch's strap"),
        ("Netflix's new logo", "A video streaming service's new logo"),
        ("draw Postman Pat with a friend", "draw a cartoon postman with a cat with a friend"),
        ("a Postman Pat van", "a cartoon postman van"),
    ],
)
def test_rewrites_read_naturally(moderator, text, rewritten):
    assert moderator.decide(text, BALANCED).prompt == rewritten


DOUBLED = re.compile(r"\b(\w+)\s+\1\b", re.IGNORECASE)
BROKEN_ARTICLE = re.compile(r"\b(a|an|the)\s+(a|an|the)\b", re.IGNORECASE)
TEMPLATES = (
    "a photo of {}",
    "{} on a table",
    "the {} logo",
    "a {} store at night",
    "an old {} sign",
    "a gold {} {}",
    "two {} {}s in the rain",
    "a man holding a {}",
    "my favourite {}, studio lighting",
    "a {} and a {}",
)


def _corpus():
    ruleset = load_ruleset()
    brands = [entity for entity in ruleset.entities if entity.category is Category.BRAND]
    for index, entity in enumerate(brands):
        template = TEMPLATES[index % len(TEMPLATES)]
        head = next((term for term in entity.context if " " not in term), "box")
        other = brands[(index * 7 + 3) % len(brands)]
        if (_has_article(entity.name) and "a {}" in template) or (_has_article(other.name) and "and a {}" in template):
            template = "{} on a table"
        if template.count("{}") == 2:
            second = other.name if template.startswith("a {} and") else head
            yield template.format(entity.name, second)
        else:
            yield template.format(entity.name)


def _has_article(name: str) -> bool:
    return name.split()[0].lower() in ("the", "a", "an", "le", "la", "les", "l'")


def _article_wrong(text: str) -> list[str]:
    wrong = []
    for article, word in re.findall(r"\b(a|an|A|An)\s+([^\W\d_]\w+)", text):
        vowel = word[0].lower() in "aeiou"
        exception = word.lower().startswith(("uni", "use", "usu", "uto", "eu", "one", "hour", "honest", "honou"))
        if (article.lower() == "a" and vowel and not exception) or (
            article.lower() == "an" and not vowel and not exception
        ):
            wrong.append(f"{article} {word}")
    return wrong


def test_every_brand_rewrite_reads_without_doubled_words_or_broken_articles():
    moderator = Moderator()
    problems = []
    count = 0
    for text in _corpus():
        decision = moderator.decide(text, BALANCED)
        if decision.action != "rewrite":
            continue
        count += 1
        prompt = decision.prompt
        if (
            (DOUBLED.search(prompt) and not DOUBLED.search(text))
            or (BROKEN_ARTICLE.search(prompt) and not BROKEN_ARTICLE.search(text))
            or set(_article_wrong(prompt)) - set(_article_wrong(text))
        ):
            problems.append(f"{text!r} -> {prompt!r}")
    assert count > 500
    assert not problems, f"{len(problems)} of {count}:\n" + "\n".join(problems[:60])
