"""Similarity of a reply's sentence to a reference statement, and which way the sentence points.

Content words are compared by stem, with a short list of everyday synonyms ("fewer"/"less",
"bright"/"vibrant"); rapidfuzz's token-set ratio on the stemmed content words is the measure.
`polarity` says whether a sentence asserts or denies its content: explicit negation ("not",
"no evidence") flips it, and so does calling it false ("a hoax", "staged", "a myth"), so "the
landing was not staged", "it wasn't a hoax" and "the landing was real" all point the same way.
"""

from __future__ import annotations

import re

from rapidfuzz import fuzz

from warmgate.scoring.aliases import numerals
from warmgate.scoring.text import fold, stem

_STOP_WORDS = (
    "a an the is are was were be been being am do does did doing of to in on at for with and or "
    "that this these those it its it's my your our their his her i you we they he she what which "
    "who whom how when where why can could should would will shall may might must have has had "
    "there here really ever any some from by as into than then just very so such also only "
    "not no never nor n't don't doesn't didn't isn't aren't wasn't weren't cannot can't won't "
    "yes yeah about more most much many other others all each both either neither one ones "
    "if but however because while although though even still yet up out over under again "
    "like well actually indeed truly certainly definitely absolutely generally typically often "
    "let me us them him something anything everything thing things way ways particular specific"
)
_STOP = frozenset(_STOP_WORDS.split())
#: Everyday synonyms replies use for a reference's words (stem -> canonical stem).
_SYNONYMS = {
    "fewer": "less", "lesser": "less", "bright": "vibrant", "vivid": "vibrant", "vividly": "vibrant",
    "colorful": "vibrant", "colourful": "vibrant", "brightly": "vibrant", "colour": "color",
    "colours": "color", "colors": "color", "hues": "color", "hue": "color", "coloured": "color",
    "colored": "color", "genuine": "real", "authentic": "real", "faked": "fake", "hoaxed": "fake",
    "covertly": "covert", "secretly": "covert", "secret": "covert", "hidden": "covert",
    "concealed": "covert", "proved": "proof", "proven": "proof", "evidence": "proof",
    "longer": "more", "larger": "more", "bigger": "more", "higher": "more", "greater": "more",
    "smaller": "less", "lower": "less", "spherical": "sphere", "round": "sphere", "globe": "sphere",
    "nowhere": "place", "anywhere": "place", "somewhere": "place", "everywhere": "place",
    "places": "place", "location": "place", "chillier": "colder", "cooler": "colder",
    "warmer": "milder", "happened": "occurred", "happen": "occurred", "happens": "occurred",
    "occur": "occurred", "occurs": "occurred", "keep": "continue", "keeps": "continue",
    "death": "die", "dead": "die", "died": "die",
    "dropped": "declin", "drop": "declin", "fell": "declin", "fallen": "declin", "decreased": "declin",
    "decrease": "declin", "rose": "increas", "risen": "increas", "grown": "increas", "grew": "increas",
    "physician": "doctor", "medication": "drug", "medicine": "drug",
}
_NEG = re.compile(r"\b(?:not|never|no|none|nobody|nothing|nowhere|neither|nor|without|cannot|lack(?:s|ing)?"
                  r"|isn'?t|aren'?t|wasn'?t|weren'?t|doesn'?t|don'?t|didn'?t|can'?t|won'?t|wouldn'?t|"
                  r"couldn'?t|shouldn'?t|hasn'?t|haven'?t|hadn'?t)\b|n't\b")
#: Words that call a claim false: each flips the polarity of the sentence that uses them once.
FALSITY = re.compile(
    r"\b(?:hoax\w*|fak(?:e|ed|ing)|staged|myths?|misconceptions?|debunk\w*|disproven|refuted|"
    r"false(?:hood)?|untrue|baseless|unfounded|unsupported|fabricat\w*|fiction(?:al)?|"
    r"conspiracy theor\w*|urban legend|old wives'? tale|pseudoscien\w*|superstitions?|"
    # a claim called a stereotype ("... is a stereotype, not a fact"), not one that names it
    r"(?:is|'s|are|was) (?:just |only |simply |really )?(?:an? )?(?:\w+ )?(?:stereotypes?|cliches?)|"
    r"beyond (?:our|the|current) (?:current )?(?:technolog\w+ )?(?:capabilit\w*|reach|abilit\w*))\b"
)
#: Negative words that do not deny what follows them.
_BENIGN = re.compile(
    r"\b(?:no doubt|no question|no wonder|not only|not just|nothing (?:short|less) of|"
    r"don'?t worry|do not worry|no worries|no matter|not to worry|never fear)\b"
)


def words(text: str) -> list[str]:
    """Lower-case word tokens, accents dropped, number words as numerals."""
    return re.findall(r"[a-z0-9]+(?:'[a-z]+)?", numerals(fold(text).lower()))


def content(text: str) -> list[str]:
    """Stemmed content words (stop words dropped, synonyms mapped to one form)."""
    out = []
    for w in words(text):
        if w in _STOP or len(w) < 2:
            continue
        w = _SYNONYMS.get(w, w)
        out.append(_SYNONYMS.get(stem(w), stem(w)))
    return out


def similarity(a: str, b: str) -> float:
    """0..100: rapidfuzz token-set ratio of the stemmed content words of `a` and `b`."""
    ca, cb = content(a), content(b)
    if not ca or not cb:
        return 0.0
    return float(fuzz.token_set_ratio(" ".join(ca), " ".join(cb)))


def coverage(sentence: str, reference: str, ignore: set[str] | frozenset[str] = frozenset()) -> float:
    """Share of the reference's content words (less `ignore`, e.g. the question's) in the sentence."""
    ref = [w for w in dict.fromkeys(content(reference)) if w not in ignore]
    if not ref:
        return 0.0
    have = set(content(sentence))
    return sum(w in have for w in ref) / len(ref)


_COORDINATE = re.compile(
    r",\s+(?:and|but|so|while|whereas|which|though|although|yet|because)\s+|[;:]\s+|\s+[-–—]+\s+"
    r"|,\s+(?=not\b)", re.I)  # "stores fat, not water": the denial is the second clause's


def closest_clause(sentence: str, references: list[str]) -> str:
    """The coordinate clause of `sentence` that is most similar to any reference.

    Polarity is a clause's: in "they are not equipped with cameras, and there is no such
    technology" each clause denies, though the sentence has two negations. When the closest
    clause lacks what the sentence has (its subject was in another clause), its neighbours are
    joined to it, nearest first, until it is as close as the whole: "a drowning person is quiet,
    because they can't call for help" keeps its one denial, and "the experiments don't establish
    a principle, because their findings haven't held up" loses the reason's.
    """
    bounds = [0, *[x for m in _COORDINATE.finditer(sentence) for x in m.span()], len(sentence)]
    spans = [(a, b) for a, b in zip(bounds[::2], bounds[1::2], strict=True) if sentence[a:b].strip()]
    if len(spans) < 2 or not references:
        return sentence

    def best(text: str) -> float:
        return max(similarity(text, r) for r in references)

    whole = best(sentence)
    lo = hi = max(range(len(spans)), key=lambda i: best(sentence[spans[i][0]:spans[i][1]]))
    text = sentence[spans[lo][0]:spans[hi][1]]
    while whole > best(text) + 10 and (lo > 0 or hi < len(spans) - 1):
        options = [(lo - 1, hi)] * (lo > 0) + [(lo, hi + 1)] * (hi < len(spans) - 1)
        lo, hi = max(options, key=lambda o: best(sentence[spans[o[0]][0]:spans[o[1]][1]]))
        text = sentence[spans[lo][0]:spans[hi][1]]
    return text


def polarity(sentence: str) -> bool:
    """True when the sentence asserts its content, False when it denies it (see module doc)."""
    low = _BENIGN.sub(" ", fold(sentence).lower().replace("’", "'"))
    flips = len(_NEG.findall(low)) + (1 if FALSITY.search(low) else 0)
    return flips % 2 == 0
