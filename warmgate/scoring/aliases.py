"""The forms of a short answer that real replies use, beyond the reference's own spelling.

TriviaQA gives one value per question ("Louis XVI of France", "War correspondent"); replies say
"King Louis XVI", "a war correspondent", "seven" for "7". `variants` adds those forms: without
a title, without an "of <place>" or ", <title>" qualifier after a name, without a parenthesis,
numerals and number words both ways. Word forms of common words (plurals, "-ism") are matched
by `text.find_mentions(..., forms=True)`, not listed here.
"""

from __future__ import annotations

import re

from warmgate.scoring.text import fold, normalize

_TITLES = (
    "king", "queen", "prince", "princess", "emperor", "empress", "tsar", "czar", "sultan", "pope",
    "saint", "st", "sir", "dame", "lord", "lady", "dr", "doctor", "president", "general", "captain",
    "admiral", "professor", "prof", "mr", "mrs", "ms", "reverend", "rev", "duke", "duchess",
)
_TITLE_RE = re.compile(rf"^(?:{'|'.join(_TITLES)})\.?\s+", re.I)
_ROMAN = r"(?:[IVXLC]+|[0-9]+(?:st|nd|rd|th)?|the (?:great|first|second|third|elder|younger))"
#: "Louis XVI of France", "Alexander III of Macedon": a regnal name with its realm.
_REGNAL_OF = re.compile(rf"^(?P<head>[A-Z][\w'-]+(?: [A-Z][\w'-]+)? {_ROMAN}) of [A-Z][\w' -]+$")
#: "Albert, Prince Consort", "Arthur Wellesley, 1st Duke of Wellington": a name, then a title.
_NAME_TITLE = re.compile(r"^(?P<head>[A-Z][\w'.-]+(?: [A-Z][\w'.-]+){0,2}), (?:[0-9]+\w* )?[A-Z].*$")
_COMMON_WORDS = "who what which when where how why it he she they we you i one no yes"
_COMMON = frozenset(_COMMON_WORDS.split())
_PAREN = re.compile(r"\s*\([^)]*\)")
_QUALIFIER = re.compile(r"^(?:only|just|about|around|approximately|roughly)\s+(?=\S*\d)", re.I)

_GREEK = {"alpha": "α", "beta": "β", "gamma": "γ", "delta": "δ", "epsilon": "ε", "kappa": "κ",
          "lambda": "λ", "mu": "μ", "sigma": "σ", "omega": "ω"}
_GREEK_NAMES = {v: k for k, v in _GREEK.items()}
_GREEK_NAME = re.compile(rf"(?<=[\W\d_])(?:{'|'.join(_GREEK)})\b", re.I)
_GREEK_SIGN = re.compile(f"[{''.join(_GREEK_NAMES)}]")

_NUMBERS = (
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
    "fifteen sixteen seventeen eighteen nineteen twenty"
)
_NUMBER_WORDS = _NUMBERS.split()
_TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
         "eighty": 80, "ninety": 90}


def number_word(n: int) -> str:
    """0..99 as English words ("forty-six")."""
    if n < 21:
        return _NUMBER_WORDS[n]
    tens = next(k for k, v in _TENS.items() if v == n // 10 * 10)
    return tens if n % 10 == 0 else f"{tens}-{_NUMBER_WORDS[n % 10]}"


def word_number(text: str) -> int | None:
    """English words for 0..99 as a number ("forty six" -> 46), else None."""
    words = normalize(text.replace("-", " ")).split()
    if len(words) == 1 and words[0] in _NUMBER_WORDS:
        return _NUMBER_WORDS.index(words[0])
    if 1 <= len(words) <= 2 and words[0] in _TENS:
        unit = _NUMBER_WORDS.index(words[1]) if len(words) == 2 and words[1] in _NUMBER_WORDS[1:10] else 0
        if len(words) == 2 and not unit:
            return None
        return _TENS[words[0]] + unit
    return None


_ORDINAL_WORDS = ("first second third fourth fifth sixth seventh eighth ninth tenth eleventh twelfth "
                  "thirteenth fourteenth fifteenth sixteenth seventeenth eighteenth nineteenth twentieth")
_ORDINALS = _ORDINAL_WORDS.split()
_ORDINAL = re.compile(r"\b([1-9]|1[0-9]|20)(?:st|nd|rd|th)\b", re.I)
_ORDINAL_WORD = re.compile(rf"\b(?:{'|'.join(_ORDINALS)})\b", re.I)


def _ordinal(word: str) -> str:
    """An ordinal word as written with digits ("sixth" -> "6th")."""
    n = _ORDINALS.index(word.lower()) + 1
    return f"{n}{ {1: 'st', 2: 'nd', 3: 'rd'}.get(n, 'th')}"


#: Number words a reply writes for a reference's numerals ("eighty-six billion", "twelve pairs").
_NUMBER = re.compile(rf"\b(?:(?:{'|'.join(_TENS)})(?:[- ](?:{'|'.join(_NUMBER_WORDS[1:10])}))?|"
                     rf"{'|'.join(_NUMBER_WORDS[2:20])})\b", re.I)


def numerals(text: str) -> str:
    """`text` with the number words two to ninety-nine as numerals; "one" stays a word ("one of")."""
    return _NUMBER.sub(lambda m: str(word_number(m.group())), text)


_GLUE = frozenset(("of", "and", "the", "in", "on", "for", "to", "with", "by", "a", "an", "or"))


def initialism(alias: str) -> str:
    """The capitals a reply writes for a term of three to five words ("Cognitive behavioral
    therapy" -> "CBT", "Post-traumatic stress disorder" -> "PTSD"), or "" for other aliases."""
    words = [w for w in re.split(r"[\s/-]+", alias.strip()) if w]
    if not 3 <= len(words) <= 6 or not all(w.isalpha() for w in words):
        return ""
    heads = [w[0].upper() for w in words if w.lower() not in _GLUE]
    return "".join(heads) if 3 <= len(heads) <= 5 else ""


def variants(alias: str) -> list[str]:
    """The alias and the shorter or respelled forms replies use for it (never empty ones)."""
    base = fold(alias).strip().strip('"').strip()
    out = [base]

    def add(v: str) -> None:
        v = v.strip(" ,;")
        if v and normalize(v) and v not in out:
            out.append(v)

    add(_PAREN.sub("", base))
    # "only 10%", "about 8 minutes": replies put their own qualifier, or none, before a quantity
    add(_QUALIFIER.sub("", base))
    for inner in re.findall(r"\(([^)]*)\)", base):
        # "(CBT)", "(FEUrea)": an abbreviation given with the name is a name for it too.
        if re.fullmatch(r"[A-Za-z0-9-]{2,10}", inner) and sum(c.isupper() for c in inner) >= 2:
            add(inner)
    for v in list(out):
        m = _REGNAL_OF.match(v)
        if m:
            add(m.group("head"))
        m = _NAME_TITLE.match(v)
        if m:
            add(m.group("head"))
    for v in list(out):
        stripped = _TITLE_RE.sub("", v)
        # "Sir Isaac Newton" -> "Isaac Newton"; never "Doctor Who" -> "Who".
        if stripped != v and stripped[:1].isupper() and len(stripped) >= 3 and (
            normalize(stripped) not in _COMMON
        ):
            add(stripped)
    for v in list(out):
        # "IFN-gamma" is written "IFN-γ", "TNF-α" is "TNF-alpha": both spellings of the letter.
        add(_GREEK_NAME.sub(lambda m: _GREEK[m.group(0).lower()], v))
        add(_GREEK_SIGN.sub(lambda m: _GREEK_NAMES[m.group(0)], v))
    add(initialism(base))
    for v in list(out):
        # "6th pharyngeal arch" is written "sixth pharyngeal arch", and the other way round
        add(_ORDINAL.sub(lambda m: _ORDINALS[int(m.group(1)) - 1], v))
        add(_ORDINAL_WORD.sub(lambda m: _ordinal(m.group(0)), v))
    norm = normalize(base)
    if norm.isdigit() and int(norm) < 100:
        add(number_word(int(norm)))
    n = word_number(base)
    if n is not None:
        add(str(n))
    return out


def expand(answers: tuple[str, ...] | list[str]) -> list[str]:
    """Every variant of every answer, in order, without repeats."""
    out: list[str] = []
    for a in answers:
        for v in variants(a):
            if v not in out:
                out.append(v)
    return out
