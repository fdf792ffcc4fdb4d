"""What a turn in a conversation asks for: a new image, going back, or an edit of the current one.

Rules, not a language model: they are fast, predictable and testable, and they show the user what was
understood (the composed prompt is always displayed). English and French are understood.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, replace
from enum import StrEnum

from bot.conversation.lexicon import COLOURS, FRENCH_WORDS, LIGHTING, MOODS, PALETTES, STYLES, WEATHER
from bot.conversation.prompt import PromptState, without_article
from bot.conversation.regions import PROMPT_PLACES, Area, placed, restricted, thing_restricted


class EditKind(StrEnum):
    MOOD = "mood"
    LIGHTING = "lighting"
    WEATHER = "weather"
    COLOUR = "colour"
    STYLE = "style"
    ADD = "add"
    REMOVE = "remove"
    REPLACE = "replace"
    DETAIL = "detail"
    RECOLOUR = "recolour"


# How far each kind of edit may move away from the previous image: light touches keep the composition.
STRENGTH = {
    EditKind.MOOD: 0.4,
    EditKind.COLOUR: 0.45,
    EditKind.LIGHTING: 0.5,
    EditKind.WEATHER: 0.55,
    EditKind.DETAIL: 0.55,
    EditKind.RECOLOUR: 0.6,
    EditKind.STYLE: 0.65,
    EditKind.ADD: 0.7,
    EditKind.REPLACE: 0.7,
    EditKind.REMOVE: 0.75,
}
# A region is repainted further than a whole-picture edit: what is outside it is kept whatever the strength.
REGION_STRENGTH = 0.8


@dataclass(frozen=True)
class NewImage:
    """Start again: a fresh generation. ``prompt`` None means the conversation's first prompt, new seed."""

    prompt: str | None


@dataclass(frozen=True)
class Undo:
    pass


@dataclass(frozen=True)
class Chat:
    """Thanks, a laugh, an empty message: nothing to draw."""


@dataclass(frozen=True)
class SelectImage:
    """Go to image ``number`` of the thread, and edit it with ``then`` when the turn says more."""

    number: int
    then: str | None


@dataclass(frozen=True)
class Edit:
    kind: EditKind
    state: PromptState
    strength: float
    # Where the change goes: the rest of the picture is kept exactly. None is the whole picture.
    region: Area | None = None
    # No rule read the turn: its words would only be appended to the prompt.
    guessed: bool = False

    @property
    def prompt(self) -> str:
        return self.state.compose()

    @property
    def negative_prompt(self) -> str:
        return self.state.negative_prompt()


@dataclass(frozen=True)
class Outpaint:
    """Show more around the picture, which stays exactly as it is: zoom out by ``zoom``, extend it towards
    ``side`` (left, right, top or bottom), or grow it to the aspect ratio ``ratio`` (width, height)."""

    zoom: float | None = None
    side: str | None = None
    ratio: tuple[int, int] | None = None


@dataclass(frozen=True)
class Unclear:
    """A turn no rule reads, as the member wrote it: they choose what to do with it rather than have it appended
    to the prompt unasked."""

    text: str


Intent = NewImage | Undo | SelectImage | Edit | Chat | Outpaint | Unclear
# Zooming out further than this at once leaves too little of the picture to draw around.
MAX_ZOOM = 4.0
DEFAULT_ZOOM = 1.5
_ZOOM = re.compile(
    r"^(?:zoom(?:e|ez)? out|zoom back|pull back|d[ée]zoom(?:e|er|ez)?|fais un zoom arri[èe]re|zoom arri[èe]re"
    r"|recule|show more around it|show more|montre plus large|plus large|wider|wider shot|plan plus large)"
    r"(?:\s+(?:by\s+|de\s+|x\s*)?(?P<factor>\d+(?:[.,]\d+)?)\s*(?:x|fois|times)?)?$",
    re.IGNORECASE,
)
_SIDES = {
    "left": "left",
    "right": "right",
    "top": "top",
    "up": "top",
    "bottom": "bottom",
    "down": "bottom",
    "gauche": "left",
    "droite": "right",
    "haut": "top",
    "bas": "bottom",
}
_PAN = re.compile(
    r"^(?:show more|extend(?: it)?|expand(?: it)?|pan|continue(?: it)?|grow(?: it)?|montre plus|montre-moi plus"
    r"|[ée]tends(?:-le|-la)?|[ée]largis(?:-le|-la)?|agrandis(?:-le|-la)?|prolonge(?:-le|-la)?|continue)"
    r"\s+(?:(?:on|to|towards|at|of|vers|sur|à|a|du|de|en)\s+)?(?:the\s+|la\s+|le\s+|l')?"
    r"(?P<side>left|right|top|up|bottom|down|gauche|droite|haut|bas)(?:\s+side|\s+c[ôo]t[ée])?$",
    re.IGNORECASE,
)
# Aspect ratios by name; "portrait" alone could be a kind of picture, so it needs a word saying it is a format.
_NAMED_RATIOS = {
    "square": (1, 1),
    "carré": (1, 1),
    "widescreen": (16, 9),
    "panoramic": (21, 9),
    "panoramique": (21, 9),
    "landscape": (3, 2),
    "paysage": (3, 2),
    "portrait": (2, 3),
    "vertical": (2, 3),
    "horizontal": (3, 2),
}
_ASPECT = re.compile(
    r"^(?:(?P<lead>make it|turn it|in|en|au|as|passe(?:-le|-la)? en|mets(?:-le|-la)? en|rends(?:-le|-la)?)\s+)?"
    r"(?P<article>(?:a|an|un)\s+)?(?P<format>format\s+)?"
    r"(?:(?P<across>\d{1,2})\s*[:/x]\s*(?P<down>\d{1,2})|(?P<name>square|carré|widescreen|panoramic|panoramique"
    r"|landscape|paysage|portrait|vertical|horizontal))"
    r"(?P<tail>\s+(?:format|orientation|mode|ratio|aspect ratio|aspect))?$",
    re.IGNORECASE,
)
# Names that may mean a kind of picture ("a portrait of her") rather than its shape, unless framed as a format.
_AMBIGUOUS_RATIOS = {"portrait", "vertical", "horizontal", "landscape", "paysage"}


def outpaint_for(cleaned: str) -> Outpaint | None:
    """'zoom out 2x', 'dézoome', 'show more on the left', 'étends vers la droite', 'make it 16:9', 'format portrait'."""
    if match := _ZOOM.match(cleaned):
        factor = float(match.group("factor").replace(",", ".")) if match.group("factor") else DEFAULT_ZOOM
        return Outpaint(zoom=factor)
    if match := _PAN.match(cleaned):
        return Outpaint(side=_SIDES[match.group("side").lower()])
    if match := _ASPECT.match(cleaned):
        name = match.group("name")
        framed = match.group("format") or match.group("tail") or (match.group("lead") and not match.group("article"))
        if name and name.lower() in _AMBIGUOUS_RATIOS and not framed:
            return None
        if name:
            return Outpaint(ratio=_NAMED_RATIOS[name.lower()])
        across, down = int(match.group("across")), int(match.group("down"))
        if across and down:
            return Outpaint(ratio=(across, down))
    return None


_CHAT = re.compile(
    r"^(?:thanks|thank you|thx|ty|merci|merci beaucoup|lol|haha+|mdr|nice|cool|great|awesome|wow|super|g[ée]nial"
    r"|parfait|perfect|yes|no|oui|non|ok|okay|d'accord|love it|j'adore|beautiful|magnifique|[^\w\s]+)$",
    re.IGNORECASE,
)

_POLITE = re.compile(
    r"^(?:(?:no|non|nope|nah|wait)\s*,\s*"
    r"|(?:ok(?:ay)?|now|and|then|also|hmm+|so|alright|right|actually|instead|et|puis|maintenant|alors|bon|d'accord"
    r"|ensuite|en fait|plut[ôo]t|just(?=\s+(?:make|add|put|remove|change|turn|give|draw|paint|take)\b))[\s,]+"
    r"|(?:please|pls|plz|can you|could you|would you|will you|i want you to|i'd like you to|let's|lets"
    r"|s'il te pla[iî]t|s'il vous pla[iî]t|stp|svp|peux-tu|pourrais-tu|tu peux|tu pourrais|vous pouvez"
    r"|est-ce que tu peux|j'aimerais que tu|je voudrais que tu)\s+)+",
    re.IGNORECASE,
)
_TRAILING = re.compile(
    r"[\s,]*(?:please|pls|plz|s'il te pla[iî]t|s'il vous pla[iî]t|stp|svp|thanks|thank you|merci)?[\s.!?]*$",
    re.IGNORECASE,
)
_NEW = re.compile(
    r"^(?:(?:new image|new picture|new one|another one|start over|start again|restart|from scratch|reset"
    r"|nouvelle image|nouvelle photo|recommencer|recommence|on recommence|repars de z[ée]ro|une autre image)\b"
    r"|(?:new|nouvelle|nouveau)\s*[:\-,])"
    r"\s*[:,-]?\s*(?:(?:of|with|de|d'|avec|:)\s*)?(?P<prompt>.*)$",
    re.IGNORECASE,
)
_LESS = re.compile(
    r"^(?:(?:make it|rends-le|rends-la|fais-le|a bit|a little|un peu|slightly)\s+)?"
    r"(?:less|moins(?: de| d')?|not so|not as|pas si|pas trop|pas aussi)\s*(?P<thing>.+)$",
    re.IGNORECASE,
)
_UNDO = re.compile(
    r"^(?:undo|go back|back|revert|revert it|undo that|previous|previous one|step back"
    r"|annule|annuler|annule [çc]a|retour|reviens en arri[èe]re|revenir en arri[èe]re|d[ée]fais|pr[ée]c[ée]dente?)$",
    re.IGNORECASE,
)
_REFERENCE = re.compile(
    r"^(?:(?:go back to|back to|go to|return to|use|take|from|start from|branch from|on|edit"
    r"|retour [àa]|reviens [àa]|revenir [àa]|retourne [àa]|reprends|reprendre|prends|[àa] partir de|depuis|sur)\s+)?"
    r"(?:the\s+|l')?(?:#|(?:image|picture|pic|img|photo|number|num[ée]ro|n°)\s*#?\s*)(?P<number>\d{1,4})\b"
    r"\s*[:,;.\-\u2013]?\s*(?:(?:and|but|then|et|mais|puis)\s+)?(?P<rest>.*)$",
    re.IGNORECASE,
)
_ORIGINAL = re.compile(
    r"^(?:go back to |back to |return to |retour [àa] |reviens [àa] |revenir [àa] )(?:the |l')?"
    r"(?:original|first(?: one| image)?|premi[èe]re(?: image)?|originale?)$",
    re.IGNORECASE,
)
_REPLACE = [
    re.compile(r"^(?:replace|swap|switch)\s+(?P<old>.+?)\s+(?:with|by|for)\s+(?P<new>.+)$", re.IGNORECASE),
    re.compile(r"^(?:change|turn|transform|make)\s+(?P<old>.+?)\s+(?:into|to)\s+(?P<new>.+)$", re.IGNORECASE),
    re.compile(r"^(?:remplace|remplacer|change|changer)\s+(?P<old>.+?)\s+(?:par|en|contre)\s+(?P<new>.+)$", re.I),
    re.compile(r"^(?:transforme|transformer)\s+(?P<old>.+?)\s+en\s+(?P<new>.+)$", re.IGNORECASE),
    re.compile(r"^(?P<new>.+?)\s+instead of\s+(?P<old>.+)$", re.IGNORECASE),
    re.compile(r"^(?P<new>.+?)\s+(?:au lieu de|à la place de|a la place de)\s+(?P<old>.+)$", re.IGNORECASE),
]
_REMOVE = re.compile(
    r"^(?:remove|delete|erase|get rid of|take out|take away|drop|lose|without|no more|no|not|stop the"
    r"|enl[èe]ve|enlever|retire|retirer|supprime|supprimer|efface|effacer|[ôo]te|sans|vire|virer|pas de|pas d'"
    r"|plus de (?=\w+ du tout)"
    r"|fais dispara[iî]tre|faire dispara[iî]tre)\s+(?P<thing>.+)$",
    re.IGNORECASE,
)
_ADD = re.compile(
    r"^(?:add|put|include|insert|place|draw|give (?:it|him|her|them)|with|also with|plus"
    r"|ajoute|ajouter|rajoute|rajouter|mets|mettre|met|place|ins[èe]re|avec|dessine)\s+(?P<thing>.+)$",
    re.IGNORECASE,
)
_MORE_OF = re.compile(r"^(?:plus de|plus d'|plus des|davantage de|encore plus de)\s*(?P<thing>.+)$", re.I)
_STYLE_FRAME = re.compile(
    r"^(?:(?:make it|turn it into|render it|redo it|do it|draw it|paint it|show it|now|make|rends-le|rends-la"
    r"|fais-le|fais-la|fais|dessine-le|dessine-la|transforme-le|transforme-la|transforme en|refais-le|refais-la)\s+)?"
    r"(?:(?:as|in|like|into|en|comme|fa[çc]on|style|en style|au style|dans le style|in the style of|in a|in an|as a"
    r"|as an|a|an|une?)\s+)*(?P<style>.+?)(?:\s+(?:style|version|look))?$",
    re.IGNORECASE,
)
_ARTIST_STYLE = re.compile(
    r"^(?:(?:make it|paint it|draw it|redo it|fais-le|rends-le)\s+)?(?:in the style of|à la manière de|a la maniere de"
    r"|dans le style de|fa[çc]on|like|comme)\s+(?P<artist>.+)$",
    re.IGNORECASE,
)
_MAKE_IT = re.compile(
    r"^(?:make it|make the (?:image|picture|scene)|make everything|turn it|it should be|it's too|c'est trop"
    r"|rends-le|rends-la|rends l'image|rend-le|rend-la|fais-le|fais-la|mets-le|mets-la|je le veux|je la veux|rends"
    r"|plus|more|less|moins|a bit|a little|un peu|slightly|much|way|beaucoup|encore|even|bien)\s+",
    re.IGNORECASE,
)
_WHOLE_PICTURE = {"it", "le", "la", "les", "tout", "everything", "the image", "l'image", "the picture", "the scene"}
_MAKE_THING_COLOUR = re.compile(
    r"^(?:(?:make|paint|colou?r|turn|rends|peins|mets)\s+(?P<thing>.+?)\s+(?:en\s+)?|(?P<bare>.+?)\s+en\s+)"
    r"(?P<colour>[\wéèê]+)$",
    re.IGNORECASE,
)
_PLURAL_ENDINGS = ("s", "x")
# French words that are not nouns: a colour after them describes nothing ("tout en bleu", "le ciel en violet").
_FUNCTION_WORDS = {
    "un",
    "une",
    "le",
    "la",
    "les",
    "l'",
    "des",
    "du",
    "de",
    "d'",
    "et",
    "avec",
    "sur",
    "dans",
    "sous",
    "à",
    "au",
    "aux",
    "en",
    "tout",
    "toute",
    "petit",
    "petite",
    "grand",
    "grande",
}
# Words before the name of a light, weather, mood or palette: "at", "in the", "sous la", "un peu plus"...
_LEADING_WORDS = re.compile(
    r"^(?:more|less|plus|moins|a bit|un peu|much|way|even|encore|at|in the|in|during|by|under|the|a|an|la|le|les"
    r"|de|du|des|de la|en|[àa] la|au|sous la|sous le|sous|dans la|dans le|dans|pendant la|pendant le|with|avec)\s+"
    r"|^l'"
)
_BACKGROUND = {"background", "the background", "fond", "the fond", "le fond", "arrière-plan", "l'arrière-plan", "décor"}


def _fold(text: str) -> str:
    """Lower case with typographic quotes and spaces straightened, accents kept."""
    text = unicodedata.normalize("NFKC", text).replace("\u2019", "'").replace("\u2018", "'").replace("`", "'")
    return re.sub(r"\s+", " ", text).strip().lower()


def clean(text: str) -> str:
    text = _fold(text)
    previous = None
    while previous != text:
        previous = text
        text = _POLITE.sub("", text)
        text = _TRAILING.sub("", text)
    return text.strip(" ,.")


def translate(text: str) -> str:
    """French words of the lexicon into English, with a colour adjective moved before its noun."""
    text = re.sub(r"\b([ld])'", r"\1' ", text)
    words = text.split()
    english = [FRENCH_WORDS.get(word, word).strip() for word in words]
    for index in range(1, len(words)):
        previous = words[index - 1]
        if words[index] in COLOURS and previous in FRENCH_WORDS and previous not in _FUNCTION_WORDS:
            english[index - 1], english[index] = COLOURS[words[index]], english[index - 1]
    return re.sub(r"\s+", " ", " ".join(english)).replace("of the ", "of the ").strip()


def _lookup(table: dict[str, str], phrase: str) -> str | None:
    phrase = phrase.strip(" ,.!")
    if phrase in table:
        return table[phrase]
    for ending in _PLURAL_ENDINGS:
        if phrase.endswith(ending) and phrase[: -len(ending)] in table:
            return table[phrase[: -len(ending)]]
    return None


def _atmosphere(text: str) -> tuple[EditKind, str, str] | None:
    """Time of day, light, weather, mood or palette named anywhere in a short instruction."""
    phrase = _MAKE_IT.sub("", text)
    previous = None
    while previous != phrase:
        previous = phrase
        phrase = _LEADING_WORDS.sub("", phrase).strip()
    candidates = [text, _MAKE_IT.sub("", text), phrase]
    for candidate in candidates:
        for kind, slot, table in (
            (EditKind.COLOUR, "colour", PALETTES),
            (EditKind.LIGHTING, "lighting", LIGHTING),
            (EditKind.WEATHER, "weather", WEATHER),
            (EditKind.MOOD, "mood", MOODS),
        ):
            value = _lookup(table, candidate)
            if value:
                return kind, slot, value
    if text in ("de nuit", "la nuit", "en pleine nuit", "by night"):
        return EditKind.LIGHTING, "lighting", "at night"
    return None


def _style(text: str) -> str | None:
    match = _STYLE_FRAME.match(text)
    if not match:
        return None
    return _lookup(STYLES, match.group("style"))


def _object(text: str) -> str:
    return translate(text.strip(" ,.!"))


# Quoted words are the member's own ("add a sign that says "OPEN""): kept as written, never translated or lowered.
_QUOTED = re.compile(r'"[^"\n]+"|“[^”\n]+”|«[^»\n]+»')
_HELD = re.compile("\ue000(\\d+)\ue001")


def _hold_quotes(text: str) -> tuple[str, list[str]]:
    """``text`` with each quoted part replaced by a placeholder that no rule reads, and the parts in order."""
    quotes: list[str] = []

    def hold(match: re.Match) -> str:
        quotes.append(match.group(0))
        return f"\ue000{len(quotes) - 1}\ue001"

    return _QUOTED.sub(hold, text), quotes


def _with_quotes(intent: Intent, quotes: list[str]) -> Intent:
    if not quotes:
        return intent

    def put_back(text: str) -> str:
        return _HELD.sub(lambda match: quotes[int(match.group(1))], text)

    if isinstance(intent, Edit):
        return replace(intent, state=intent.state.rewritten(put_back))
    if isinstance(intent, NewImage) and intent.prompt:
        return NewImage(prompt=put_back(intent.prompt))
    if isinstance(intent, SelectImage) and intent.then:
        return SelectImage(number=intent.number, then=put_back(intent.then))
    if isinstance(intent, Unclear):
        return Unclear(text=put_back(intent.text))
    return intent


def understand(text: str, state: PromptState | None) -> Intent:
    """The intent of one turn. Without a current image (``state`` None) every turn is a new image."""
    if state is None:
        return NewImage(prompt=text.strip() or None)
    held, quotes = _hold_quotes(text)
    return _with_quotes(_understand(held, clean(held), state), quotes)


def _understand(text: str, cleaned: str, state: PromptState) -> Intent:
    if not cleaned or _CHAT.match(cleaned):
        return Chat()
    if outpaint := outpaint_for(cleaned):
        return outpaint
    if match := _NEW.match(cleaned):
        remainder = match.group("prompt").strip(" :,-")
        return NewImage(prompt=_original_case(text, remainder) if remainder else None)
    if _UNDO.match(cleaned):
        return Undo()
    if _ORIGINAL.match(cleaned):
        return SelectImage(number=1, then=None)
    if match := _REFERENCE.match(cleaned):
        rest = match.group("rest").strip(" ,.;:-")
        return SelectImage(number=int(match.group("number")), then=rest or None)
    edit = edit_for(cleaned, state)
    return Unclear(text=_original_case(text, cleaned)) if edit.guessed else edit


def _original_case(original: str, lowered_tail: str) -> str:
    """The user's own spelling of the tail of their message (prompts keep their capitals)."""
    folded = _fold(original)
    index = folded.rfind(lowered_tail)
    if index < 0:
        return lowered_tail
    tail = unicodedata.normalize("NFKC", original).replace("\u2019", "'")
    tail = re.sub(r"\s+", " ", tail).strip()
    return tail[index : index + len(lowered_tail)] if len(tail) == len(folded) else lowered_tail


def edit_for(cleaned: str, state: PromptState) -> Edit:
    """The edit a turn asks for, limited to a region when it names one ("only the sky", "in the top left, ...")."""
    if (located := restricted(cleaned)) and located.instruction:
        edit = _edit_for(located.instruction, state)
        return replace(edit, region=located.region, strength=REGION_STRENGTH)
    if (match := _ADD.match(cleaned)) and (located := placed(match.group("thing"))) and located.instruction:
        if located.names_a_thing:  # "add birds in the sky": the words stay, the region follows them
            return replace(_edit_for(cleaned, state), region=located.region, strength=REGION_STRENGTH)
        edit = _edit_for(f"add {located.instruction}", state)
        if edit.kind is EditKind.ADD and located.region.name in PROMPT_PLACES:
            where = f"{edit.state.additions[-1]} {PROMPT_PLACES[located.region.name]}"
            return Edit(EditKind.ADD, state.adding(where), REGION_STRENGTH, located.region)
    if (found := thing_restricted(cleaned)) and found[1]:
        area, instruction = found
        # The segmentation model reads English: "le chat" is looked for as "cat".
        area = replace(area, thing=translate(area.thing))
        return replace(_edit_for(instruction, state), region=area, strength=REGION_STRENGTH)
    return _edit_for(cleaned, state)


def _edit_for(cleaned: str, state: PromptState) -> Edit:
    def made(kind: EditKind, new_state: PromptState) -> Edit:
        return Edit(kind=kind, state=new_state, strength=STRENGTH[kind])

    if match := _LESS.match(cleaned):
        thing = match.group("thing").strip()
        if found := _atmosphere(thing):
            kind, slot, value = found
            return made(kind, state.without_slot(slot).excluding(_essence(value)))
    for pattern in _REPLACE:
        if match := pattern.match(cleaned):
            old, new = match.group("old"), match.group("new")
            if colour := COLOURS.get(new.strip()):
                if old not in _WHOLE_PICTURE:
                    return made(EditKind.RECOLOUR, state.recolouring(without_article(_object(old)), colour))
                return made(EditKind.COLOUR, state.with_slot("colour", f"{colour} color scheme"))
            if old in _WHOLE_PICTURE or _style(new) or _atmosphere(new) or _whole_colour(new):
                if not (_style(new) or _atmosphere(new) or _whole_colour(new)):
                    return made(EditKind.DETAIL, state.with_detail(_object(new)))
                cleaned = new
                break
            if old in _BACKGROUND:
                return made(EditKind.REPLACE, state.adding(f"{_object(new)} in the background"))
            return made(EditKind.REPLACE, state.replacing(_object(old), _object(new)))
    if match := _REMOVE.match(cleaned):
        return made(EditKind.REMOVE, state.removing(_object(_LEADING_WORDS.sub("", match.group("thing")))))
    if match := _ARTIST_STYLE.match(cleaned):
        artist = match.group("artist").strip()
        style = _lookup(STYLES, artist)
        return made(EditKind.STYLE, state.with_slot("style", style or f"in the style of {artist}"))
    if style := _style(cleaned):
        return made(EditKind.STYLE, state.with_slot("style", style))
    if found := _atmosphere(cleaned):
        kind, slot, value = found
        return made(kind, state.with_slot(slot, value))
    if colour := _whole_colour(cleaned):
        return made(EditKind.COLOUR, state.with_slot("colour", f"{colour} color scheme"))
    if match := _MAKE_THING_COLOUR.match(cleaned):
        colour = COLOURS.get(match.group("colour"))
        thing = match.group("thing") or match.group("bare")
        if colour and thing not in _WHOLE_PICTURE and not thing.startswith("it "):
            return made(EditKind.RECOLOUR, state.recolouring(without_article(_object(thing)), colour))
    if match := _MORE_OF.match(cleaned):
        return made(EditKind.ADD, state.adding(f"more {_object(match.group('thing'))}"))
    if match := _ADD.match(cleaned):
        thing = match.group("thing")
        if style := _style(thing):
            return made(EditKind.STYLE, state.with_slot("style", style))
        if found := _atmosphere(thing):
            kind, slot, value = found
            return made(kind, state.with_slot(slot, value))
        return made(EditKind.ADD, state.adding(_object(thing)))
    if cleaned.startswith(("make it", "rends-le", "rends-la")):
        return made(EditKind.DETAIL, state.with_detail(_object(_MAKE_IT.sub("", cleaned))))
    return replace(made(EditKind.DETAIL, state.with_detail(_object(cleaned))), guessed=True)


def _whole_colour(cleaned: str) -> str | None:
    """'make it blue', 'en bleu', 'tout en rouge': a colour for the whole picture."""
    phrase = _MAKE_IT.sub("", cleaned)
    previous = None
    while previous != phrase:
        previous = phrase
        phrase = re.sub(r"^(?:all|entirely|tout|toute|en|in|make|turn|paint|colou?r|rends|peins|fais)\s+", "", phrase)
        phrase = phrase.strip()
    return COLOURS.get(phrase)


def _essence(value: str) -> str:
    """The word that carries a slot's meaning, for the negative prompt: "in the snow" -> "snow"."""
    head = value.split(",")[0]
    head = re.sub(r"^(?:at|in the|in|during a|during|on a|under a|lit by)\s+", "", head)
    return re.sub(r"\s+(?:mood|atmosphere|color palette|colors|light|lighting)$", "", head).strip()
