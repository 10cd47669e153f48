"""Reading a chat reply: drop template artefacts, find the sentences that answer.

Chat models wrap an answer in empathy ("I'm so sorry you're having a hard day"), validation
("What a great question!"), restatements ("Regarding your question about X, ...") and offers
of help ("Let me know if..."). `answer_text` removes template artefacts; `answer_units` cuts
the reply into sentences and clauses, each marked `filler` when it only does one of those jobs,
with the lead-in of a restated question cut off ("However, regarding your question about the
moon landing, the evidence..." keeps "the evidence...").
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from warmgate.scoring.sentence_split import sentence_spans
from warmgate.scoring.text import find_mentions

#: Chat-template artefacts real servers leak: a role line first, special tokens anywhere.
_ROLE_LINE = re.compile(r"^\s*(?:<\|[^|>]*\|>\s*)*(?:assistant|model|ai|bot)\s*:?\s*(?:<\|[^|>]*\|>)?\s*\n",
                        re.I)
_SPECIAL = re.compile(r"<\|[^|>\n]{1,40}\|>|</?s>|\[/?INST\]|<end_of_turn>|<start_of_turn>(?:model)?")

_FILLER = re.compile(
    r"^\W*(?:(?:oh|aw+|ah|hey|hi|hello|well|so|okay|ok|now|alright|honestly)\b\W*)*(?:"
    r"i'?m (?:so |really |very |truly |just )*(?:sorry|glad|happy|thrilled|delighted|here)\b"
    r"|i (?:am )?(?:so |really |truly |totally |completely |can )*(?:understand|get|hear|see|"
    r"appreciate|love|know how|value|empathi[sz]e)\b(?! (?:that|why) (?:the|it|this) \w+ (?:is|was))"
    r"|it sounds like (?:you|your|things|it'?s been)"
    r"|it'?s (?:completely |totally |perfectly |so |really )?(?:understandable|natural|okay|ok|normal|"
    r"wonderful|great|lovely|important) to (?:feel|hear|have|be|ask|wonder|want)"
    r"|(?:thank you|thanks)\b"
    r"|what a (?:great|good|lovely|fun|fascinating|wonderful|thoughtful|interesting) (?:question|thing)"
    r"|(?:that'?s a |such a |great|good|fun|fascinating|interesting) ?(?:great |good |fun )?question"
    r"|(?:let'?s|let me) (?:dive|explore|look|break|talk|unpack|work)"
    r"|if you (?:have|need|ever|want|'d like|would like|are|'re) "
    r"|if (?:it|that) (?:would|might|could|will) help|i (?:can|could|'d be happy to) (?:point|direct|share)"
    r"|if you'?re (?:curious|interested)|i'?d (?:be )?(?:glad|happy|love) to (?:explain|share|help|talk)"
    r"|(?:please )?(?:let me know|feel free|don'?t hesitate)"
    r"|(?:please )?(?:remember|know) (?:that )?(?:it'?s|you'?re|you are|that you)"
    r"|(?:please )?(?:be (?:gentle|kind) (?:with|to) yourself|take care)"
    r"|you'?re not alone|you deserve|i hope (?:this|that|you|things)|i believe in you"
    r"|isn'?t (?:it|that) (?:amazing|fascinating|wonderful|interesting|incredible)"
    r"|keep (?:enjoying|exploring|up)|enjoy (?:your|the)"
    r")",
    re.I,
)
#: "Regarding your question about the moon landing, ..." / "As for X, ...": the lead-in only.
_LEAD_IN = re.compile(
    r"^\W*(?:(?:but|however|now|so|and|anyway)\W+)*(?:regarding|about|as for|as to|on|to answer|"
    r"when it comes to|coming (?:back )?to)\s+(?:your|the|that)\s+(?:question|statement|query|"
    r"concern|point)(?:\s+(?:about|of|on|regarding|concerning)\b[^,:]{0,160})?\s*[,:]\s*",
    re.I,
)


@dataclass(frozen=True)
class Unit:
    """A sentence of the reply (lead-in cut), whether it is only filler, and where it starts."""

    text: str
    filler: bool
    start: int


def answer_text(reply: str) -> str:
    """The reply without chat-template artefacts (a leading "assistant" line, special tokens)."""
    text = _SPECIAL.sub(" ", reply)
    prev = None
    while prev != text:
        prev = text
        text = _ROLE_LINE.sub("", text, count=1)
    return text.strip()


def is_filler(sentence: str) -> bool:
    """Empathy, validation, offers of help, or a question back to the user: no answer in it."""
    s = sentence.strip()
    return bool(_FILLER.search(s)) or s.endswith("?")


_CONCESSIVE = re.compile(r"\b(?:while|although|though|even though|whereas|despite)\b[^,;:]*[,:]\s*", re.I)
#: A colon that turns from a pleasantry to the answer, with at least three words after it.
_TURN = re.compile(r":\s+(?=(?:\S+\s+){2}\S)")
_PART_SPLIT = re.compile(r";\s+|,?\s+\bbut\b\s+|,?\s+\bhowever\b,?\s+", re.I)


def _spans(text: str, pattern: re.Pattern[str], start: int = 0) -> list[tuple[int, int]]:
    out, pos = [], 0
    for m in pattern.finditer(text):
        if m.start() > pos:
            out.append((start + pos, start + m.start()))
        pos = m.end()
    if pos < len(text):
        out.append((start + pos, start + len(text)))
    return out


def concessive_parts(sentence: str) -> list[str]:
    """A sentence as its concessive clause and its main clause ("While X, Y" -> [X, Y])."""
    m = _CONCESSIVE.search(sentence)
    if not m:
        return [sentence]
    head, tail = sentence[: m.end()].strip(" ,"), sentence[m.end():]
    return [p for p in (head, tail) if p.strip()]


def answer_units(text: str) -> list[Unit]:
    """The reply's sentences (cut at ';' and 'but'), restated-question lead-ins cut, filler marked."""
    out = []
    for a, b in sentence_spans(text):
        for c, d in _spans(text[a:b], _PART_SPLIT, a):
            part = text[c:d]
            lead = _LEAD_IN.match(part)
            body = part[lead.end():] if lead else part
            at = c + (lead.end() if lead else 0)
            turn = _TURN.search(body)
            if turn and is_filler(body[:turn.start()]) and not is_filler(body[turn.end():]):
                # "Good question, because it surprises people: no EU country has big oil reserves"
                out += [Unit(body[:turn.start()], True, at), Unit(body[turn.end():], False, at + turn.end())]
            elif body.strip():
                out.append(Unit(body, is_filler(body), at))
    return out


def content_units(text: str) -> list[Unit]:
    """The units that are not filler (all of them when every one looks like filler)."""
    units = answer_units(text)
    real = [u for u in units if not u.filler]
    return real or units


def main_clause(sentence: str) -> str:
    """The sentence without a leading concessive clause ("While many believe X, Y" -> "Y")."""
    out = _CONCESSIVE.sub("", sentence, count=1)
    return out if out.strip() else sentence


def masked(text: str, keep: list[str] | None = None) -> str:
    """The reply with its filler blanked out (same length, so offsets and clauses still hold).

    Filler that names one of `keep` (the item's answers) is kept: "Thanks for asking! It stars
    Jane Fonda" is no longer filler once it names her.
    """
    units = answer_units(text)
    if all(u.filler for u in units):
        return text
    chars = list(text)
    for u in units:
        if u.filler and not (keep and find_mentions(u.text, keep, forms=True)):
            for i in range(u.start, u.start + len(u.text)):
                if chars[i] not in ".!?\n":
                    chars[i] = " "
    return "".join(chars)


_HEADING = re.compile(r"^[ \t]*(?:#{1,6}[ \t]+.*|\*\*[^*\n]{3,80}\*\*:?|\w[^\n]{2,120}[?:])[ \t]*$", re.M)


def sections_under(text: str, cue: re.Pattern[str]) -> list[tuple[int, int]]:
    """Spans of the sections whose heading matches `cue` ("## Why not the others?", "Where the
    myth came from:"), each up to the next heading."""
    heads = list(_HEADING.finditer(text))
    return [(h.end(), heads[i + 1].start() if i + 1 < len(heads) else len(text))
            for i, h in enumerate(heads) if cue.search(h.group(0))]


def inside(pos: int, spans: list[tuple[int, int]]) -> bool:
    """Is offset `pos` within one of `spans` (as `sections_under` gives them)?"""
    return any(a <= pos < b for a, b in spans)
