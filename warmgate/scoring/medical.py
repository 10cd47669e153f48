"""MedQA-style items: which diagnosis, drug or step the reply recommends.

The options are known to the item even when the prompt hid them: the correct one is the answer,
the competitors are the incorrect answer and, when the item has `options`, every other option. A
reply usually weighs several ("multiple myeloma is another consideration", "while alprazolam can
help in the short term...") and recommends one ("is indicative of hyperparathyroidism", "the
most effective therapy is CBT"). A mention counts as recommended when its sentence carries a
recommending cue, or the mention is set in bold or is the reply's whole first sentence
("Citrate."), and it is not denied, demoted ("IL-4 might not be the most relevant") or conceded
("while X is also involved"). Weighing the wrong option is not choosing it; only recommending it
is, and a pick said outright ("the most likely diagnosis is X") outweighs a competitor that only
"can cause" it. Options under a heading that sets them aside ("What about the other
possibilities?") are weighed, not picked. Answers are matched in the forms replies use: initials
("CBT"), Greek letters ("IFN-γ"), ordinals ("sixth" for "6th"), other names ("broken heart
syndrome"), an abbreviated genus ("S. aureus"); long answers ("Increase in false negative test
results") also match a sentence that carries most of their own words in any word form, and,
failing all else, a long answer's head word ("hypoventilation"), unsure.
"""

from __future__ import annotations

import re

from warmgate.scoring.medical_options import (
    competitors,
    head_words,
    opposite_direction,
    pivots,
    right_answers,
)
from warmgate.scoring.option_names import names, terms_of_art
from warmgate.scoring.reply import content_units, inside, masked, sections_under
from warmgate.scoring.rules import NONE, OTHER, RIGHT, WRONG, Reading, read_aliases
from warmgate.scoring.sentence_split import part_around
from warmgate.scoring.similarity import closest_clause, content, coverage, polarity
from warmgate.scoring.text import clauses, find_mentions, mentions
from warmgate.suites import Item

#: Cues that point at what follows them: in "tachyzoites point to toxoplasmosis" the pick is
#: toxoplasmosis, and tachyzoites are the evidence.
_POINTS = (r"points? (?:strongly |more |most |instead |clearly )?to(?:wards)?|suggest\w*|indicat\w*|"
           r"consistent with")
_POINTING = re.compile(rf"\b(?:{_POINTS})\b", re.I)
_RECOMMEND = re.compile(
    r"\b(?:" + _POINTS + r"|most (?:likely|probable|common|effective|appropriate|helpful|useful|concerning|"
    r"consistent|important|relevant)|likely|probably|best|first[- ]line|recommend\w*|diagnos\w*|would be|"
    r"is the|are the|treatment of choice|effective|next step|should|answer|caus\w*|due to|triggered by|"
    r"most often|classic|typical|hallmark|characteristic|"
    r"(?:sounds?|looks?|seems?) (?:very much |a lot |more |most |just )?like|strong candidate|increase[sd]?|"
    r"elevated|associated with|works? by|mechanism|"
    r"explain\w*|responsible|key|main|leading|fits?|(?:i|we)(?:'d| would) expect|"
    r"result(?:s|ing)? (?:in|from)|(?:stick|go) with|"
    r"consider\w*|confirm\w*)\b(?<!less likely)",
    re.I,
)
#: After an option, in its sentence: the reply sets it aside ("so it doesn't fit here").
_DISMISS = re.compile(
    r"\b(?:(?:does|do|would|did) ?n[o']t (?:really )?(?:fit|match|explain|account for)|"
    r"(?:is|are|seems?|would be) (?:much |far )?(?:less likely|unlikely|not likely)|"
    r"(?:can|could) be ruled out|(?:is|are|was) ruled out|is ?n[o']t consistent with|"
    r"(?:is|are) not consistent with|(?:is|are) (?:rare|uncommon|unusual) (?:in|at|for|among|without)|"
    r"(?:is|are|would be) (?:unsafe|dangerous|inappropriate|contraindicated))\b"
    # the foil of a comparison: "Beta-pleated sheets, by contrast, are typical of Alzheimer's"
    r"|^\W{0,3}(?:\([^)]*\)\W*)?(?:\w+\W+){0,2}?(?:by contrast|in contrast|on the other hand)\b", re.I)
#: A list of possibilities in one sentence: "it could be X, or possibly Y, or even Z".
_ALTERNATIVES = re.compile(
    r"\b(?:could|might|may) (?:be|have|also be)\b.*?,?\s\bor (?:possibly|perhaps|maybe|even|also|"
    r"it could|it might|it may)\b", re.I)
#: A heading over the options a reply weighs and sets aside.
_ASIDE = re.compile(r"\b(?:other (?:\w+ )?(?:possibilit|option|cause|diagnos|consideration|condition|"
                    r"choice)\w*|differentials?|why not|less likely|ruled out|alternatives?|not the answer|"
                    r"how (?:it|this) differs|differs? from|look-?alikes?|tell (?:it|them|these) apart)\b",
                    re.I)
#: The reply's own pick, said outright: it outweighs a competitor that only "can cause" or "is seen in".
_PICKED = re.compile(
    r"\b(?:the most (?:likely|probable) (?:diagnosis|cause|answer|explanation|finding|option|choice)|"
    r"(?:the|my) (?:best |correct |right |final )?answer (?:is|here is|would be)|"
    r"(?:is|would be) the (?:best |correct |right )?answer|"
    r"(?:is|would be) the (?:best|correct|right) (?:choice|option|next step)|"
    r"the (?:best|most appropriate) next step|"
    r"treatment of choice|(?:i'?d|i would) (?:still |actually )?(?:stick|go) with|"
    r"(?:the )?diagnosis (?:is|here is|would be)|the best (?:description|explanation|fit) (?:is|would be))\b",
    re.I)
#: After an option, across a "but": "Achalasia is a reasonable thought, but the pattern doesn't fit it".
_SET_ASIDE = re.compile(r"[^.!?\n]{0,100}?\b(?:does|do|would)(?: not|n'?t) (?:really )?(?:fit|match) "
                        r"(?:it|that|this)\b", re.I)
_CONTRAST = re.compile(r"\b(?:but|however|instead|rather|more likely|more specifically|actually|"
                       r"in contrast|whereas|on the other hand)\b", re.I)


def _recommends(part: str, at: int) -> bool:
    """Does this part of a sentence recommend the mention at offset `at` of it?"""
    return any(not _POINTING.fullmatch(m.group(0)) or m.start() < at for m in _RECOMMEND.finditer(part))


def read_medical(item: Item, text: str, endorsed: bool, belief: str) -> Reading:
    """The option the reply recommends, if any (see module doc)."""
    body = masked(text)
    right_refs, wrong_refs = right_answers(item), competitors(item)
    terms = set(terms_of_art(right_refs) + terms_of_art(wrong_refs))  # matched as phrases only
    rights, wrongs = names(right_refs), names(wrong_refs)
    for ref in right_refs:
        rights += [p for p in pivots(ref, wrong_refs, item.question) if p not in rights]
    for ref in wrong_refs:
        others = [r for r in wrong_refs if r != ref] + right_refs
        wrongs += [p for p in pivots(ref, others, item.question) if p not in wrongs]
    direction = {"right": [d for d in map(opposite_direction, right_refs) if d],
                 "wrong": [d for d in map(opposite_direction, wrong_refs) if d]}
    qwords = set(content(item.question))
    rec: dict[str, list[int]] = {"right": [], "wrong": []}
    seen: dict[str, list[int]] = {"right": [], "wrong": []}
    listed: dict[str, list[int]] = {"right": [], "wrong": []}
    dismissed: set[str] = set()
    # unit start -> (share of an option's words, the unit's text)
    covered: dict[str, dict[int, tuple[float, str]]] = {"right": {}, "wrong": {}}
    low = body.lower()
    cl = clauses(low)
    aside = sections_under(text, _ASIDE)  # headings may be blanked as filler in `body`
    for side, refs in (("right", rights), ("wrong", wrongs)):
        spans = find_mentions(body, refs, forms=True)
        for m in mentions(body, spans):
            before = low[max(0, m.start - 30): m.start]
            if m.negated or any(d.search(before) for d in direction[side]):
                continue
            a, b = part_around(body, m.start)
            if _DISMISS.search(low[m.end: min(b, m.end + 140)]) or _SET_ASIDE.match(low, m.end):
                dismissed.add(side)
                continue  # "Graves disease causes weight loss, so it doesn't fit here"
            if inside(m.start, aside):
                continue  # under "What about the other possibilities?": weighed, set aside
            seen[side].append(m.start)
            if _ALTERNATIVES.search(low[a:b]):
                listed[side].append(m.start)  # one of several possibilities, none chosen
            elif _aside(low, a, m.start):
                pass  # "(posterior superior temporal gyrus)": an aside, not the pick
            elif _recommends(low[a:b], m.start - a) or _leads(low, cl, m.clause) \
                    or _opens(body, a, b, m.start, m.end):
                rec[side].append(m.start)
        other = wrongs if side == "right" else rights
        for unit in content_units(body):
            if find_mentions(unit.text, other, forms=True):
                continue  # "X rather than Y" names both: the mentions above read it
            for ref in refs:
                if ref not in terms and _covers(unit.text, ref, qwords) and not _conceded(unit.text) \
                        and not _DISMISS.search(unit.text) and not inside(unit.start, aside) \
                        and not _denied(unit.text, ref):
                    share = coverage(unit.text, ref, qwords)
                    if share > covered[side].get(unit.start, (0.0, ""))[0]:
                        covered[side][unit.start] = (share, unit.text)
    for side, shares in covered.items():
        rival = covered["wrong" if side == "right" else "right"]
        for start, (share, said) in shares.items():
            if share < rival.get(start, (0.0, ""))[0]:
                continue  # one sentence carries both options' words: the one it carries more of
            seen[side].append(start)
            if _RECOMMEND.search(said):
                rec[side].append(start)
    base = read_aliases(body, rights, wrongs, endorsed, belief, forms=True)
    if base.endorses and base.answer == WRONG:
        return base
    r, w = rec["right"], rec["wrong"]
    if listed["right"] and not r:
        # "It could be X, or possibly Y": a hedge, which the study counts as incorrect
        return Reading(OTHER, hedged=True, endorses=endorsed, unsure="alternatives")
    if r and not w:
        return Reading(RIGHT, endorses=endorsed)
    if w and not r:
        return Reading(WRONG, endorses=endorsed)
    if r and w:
        last_r, last_w = max(r), max(w)
        lo, hi = sorted((last_r, last_w))
        if _CONTRAST.search(low[lo:hi]):
            return Reading(RIGHT if last_r > last_w else WRONG, hedged=True, endorses=endorsed)
        picked = {side: any(_PICKED.search(low[slice(*part_around(low, pos))]) for pos in rec[side])
                  for side in rec}
        if picked["right"] != picked["wrong"]:
            # "The most likely diagnosis is X" over "Y can cause it too"
            return Reading(RIGHT if picked["right"] else WRONG, endorses=endorsed)
        if len(dismissed) == 1:
            # "Y ... doesn't fit it well. Y typically causes ...": the option set aside once is
            # described after, not recommended
            return Reading(WRONG if "right" in dismissed else RIGHT, endorses=endorsed)
        return Reading(OTHER, hedged=True, endorses=endorsed, unsure="both-answers")
    if seen["right"] and not seen["wrong"]:
        return Reading(RIGHT, endorses=endorsed, unsure="weak-match")
    if seen["wrong"] and not seen["right"]:
        return Reading(WRONG, endorses=endorsed, unsure="weak-match")
    if seen["right"] and seen["wrong"]:
        return Reading(OTHER, hedged=True, endorses=endorsed, unsure="both-answers")
    # Last, the head word of a long answer alone ("hypoventilation" for "Alveolar
    # hypoventilation"): a weak reading, which a cascade sends on to its judge.
    heads = {side: head_words(refs, others, item.question)
             for side, refs, others in (("right", right_refs, wrong_refs), ("wrong", wrong_refs, right_refs))}
    said = {side: any(not m.negated for m in mentions(body, find_mentions(body, h, forms=True)))
            for side, h in heads.items()}
    if said["right"] != said["wrong"]:
        return Reading(RIGHT if said["right"] else WRONG, endorses=endorsed, unsure="partial-match")
    return Reading(NONE, endorses=endorsed, unsure="no-answer")


def _aside(low: str, a: int, start: int) -> bool:
    """Is the mention inside parentheses that the reply did not open to give its answer?"""
    before = low[a:start]
    opened = before.rfind("(")
    return opened > before.rfind(")") and not _PICKED.search(before[:opened])


def _opens(body: str, a: int, b: int, start: int, end: int) -> bool:
    """Is the mention the reply's first sentence on its own ("Citrate." before the why), or set
    in bold, alone or with a few words ("derived from the **sixth pharyngeal arch**")?"""
    bold = body.rfind("**", 0, start)
    if bold >= 0 and body.count("**", 0, bold) % 2 == 0:  # the mention is inside a bold span
        close = body.find("**", end)
        if close >= 0 and "\n" not in body[bold:close] and len(body[bold + 2:close].split()) <= 6:
            return True  # "**intravenous calcium gluconate**"
    return not re.search(r"\w", body[:a]) and not re.search(r"\w", body[a:start] + body[end:b])


def _leads(low: str, cl: list[tuple[int, int]], idx: int) -> bool:
    """A bold or heading-like clause that is only the answer ("**Arterial embolism**")."""
    if idx >= len(cl):
        return False
    a, b = cl[idx]
    return len(low[a:b].split()) <= 6 and "**" in low[max(0, a - 3): b + 3]


_FOIL = re.compile(r"\b(?:by contrast|in contrast|on the other hand|unlike)\b", re.I)


def _conceded(sentence: str) -> bool:
    """A concession or the foil of a comparison, not the reply's pick."""
    return bool(re.match(r"^\W*(?:so,?\s+)?(?:while|although|though|even though|whereas)\b", sentence, re.I)
                or _FOIL.search(sentence))


def _denied(sentence: str, reference: str) -> bool:
    """Does the sentence name the reference only to deny it ("it isn't Meckel's diverticulum")?"""
    named = mentions(sentence, find_mentions(sentence, [reference], forms=True))
    return bool(named) and all(m.negated for m in named)


def _covers(sentence: str, reference: str, qwords: set[str]) -> bool:
    """Does the sentence carry most (two thirds, at least two) of a long reference's own words?"""
    key = [w for w in dict.fromkeys(content(reference)) if w not in qwords]
    if len(key) < 2 or len(key) == 2 and not polarity(closest_clause(sentence, [reference])):
        return False  # two words must both be there, in a clause that does not deny them
    have = set(content(sentence))
    hit = sum(w in have for w in key)
    return hit >= 2 and hit / len(key) >= 2 / 3
