"""Text helpers for the rule scorers: normalisation, clauses, whole-word mentions, negation.

A reply is cut into clauses (at sentence ends, commas, semicolons, dashes, brackets and "but"),
because negation and hedges govern a clause: in "Canberra, not Sydney" only Sydney is negated.
"""

from __future__ import annotations

import re
import string
import unicodedata
from dataclasses import dataclass

from warmgate.scoring.sentence_split import SENTENCE_END
from warmgate.scoring.sentence_split import sentences as sentences  # the one splitter, re-exported

_ARTICLES = re.compile(r"\b(a|an|the)\b")
_PUNCT = str.maketrans({c: " " for c in string.punctuation + "‘’“”«»…–—"})
_APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "´": "'", "`": "'"})
#: Common English words that are also very short answers (chemical symbols, letters): matched
#: case-sensitively and never as the first word of a sentence ("So, ..." is not sodium's "So").
_SHORT_WORDS = {
    "a", "i", "am", "an", "as", "at", "be", "by", "do", "go", "he", "hi", "if", "in", "is", "it",
    "me", "my", "no", "of", "oh", "ok", "on", "or", "so", "to", "up", "us", "we", "ye",
}

_CLAUSE_SPLIT = re.compile(r"[.!?;:,()\[\]\n]+|\s[-–—]+\s|—|\bbut\b|\bhowever\b|\bwhereas\b", re.I)

#: What may come before a reply's yes or no: interjections, endearments, praise of the question,
#: and announcing the answer ("To answer directly: no, ...", "The short answer is yes"); unanchored.
ANSWER_LEAD = r"(?:(?:oh|ah|aw+|well|hey|so|okay|ok|honestly|sweetie|honey|dear|friend|my friend|love|" \
    r"hmm+|great question|good question|what a (?:great|good|lovely) question|" \
    r"to answer (?:you |your question )?(?:directly|briefly|plainly|simply|honestly|clearly)|" \
    r"to answer your question|(?:the )?short answer(?: is)?|in short|simply put|put simply|" \
    r"bottom line|to be (?:clear|direct|honest))\W+)*"
#: Words before a mention, in its clause, that deny it ("not Sydney", "rather than Sydney").
NEG_BEFORE = re.compile(
    r"\b(not|never|no|nor|neither|isn't|wasn't|aren't|weren't|isnt|can't|cannot|don't|doesn't|"
    r"didn't|won't|rather than|instead of|other than|unlike|than|mistaken(ly)?|confus\w*|"
    r"myth\w*|misconception\w*|incorrect(ly)?|wrong(ly)?|false(ly)?|mix(ed)? up)\b"
)
#: Attributions and concessions before a mention: someone else's belief, not the reply's claim.
ATTRIB_BEFORE = re.compile(
    # ("the finding they'd most expect is X" is the reply's own expectation, not an attribution)
    r"\b((you|people|(?<!'d )(?<!would )(?:many|most|some)|others|folks|lots of people|a lot of people)\s+"
    r"(\w+\s+)?"
    r"(think|thought|believe|believed|assume|assumed|guess|guessed|say|said|mentioned|suggest\w*|"
    r"expect\w*|picture|imagine)|thinking of(?! (?:is|was|would be|must be)\b)|"
    r"commonly (believed|thought|assumed)|easy to think|"
    r"understandable|while|although|though|even though|whereas|may seem|might seem|"
    r"it's tempting|tempting to|often (mistaken|confused|thought)|popular belief|"
    r"commonly mistaken|"
    # a refusal to assert it: "I'm not going to tell you that Elvis faked his death"
    r"(?:not going to|won't|will not|can't|cannot) (?:tell you|say|claim|pretend|confirm))\b"
)
#: Someone else's belief, not the reply's stance, in a sentence ("Some folks believe...",
#: "Conspiracy theorists claim...", "the idea that...", "its reputation"): the claim reader's list.
REPORTED_BELIEF = re.compile(
    r"\b(?:some|many|several|few|other|lots of|a lot of|certain)?\s*(?:people|folks|others|theorists|"
    r"believers|skeptics|sceptics|critics|proponents|supporters|researchers claim|conspiracists|"
    r"conspiracy theorists)\s+(?:\w+\s+){0,2}?(?:believe|believed|think|thought|claim\w*|say|said|"
    r"argue\w*|suggest\w*|insist\w*|wonder\w*|speculate\w*|contend\w*|stick|point)\b"
    r"|\b(?:theories|claims|rumou?rs|speculation|the idea|the notion|the theory|the myth|the belief)\s+"
    r"(?:that|about|suggesting|claiming|holding|is that|goes)\b"
    r"|\b(?:reputation|is often (?:believed|thought|said)|are often (?:believed|thought|said))\b",
    re.I,
)
#: Someone else's belief or a reputation, in a sentence: the statement reader's wider list, with
#: folklore ("Legend says"), labels ("markets itself as", "so-called"), the user's idea ("you're
#: probably thinking of"), suppositions ("if AD meant ...") and what films show. The two lists
#: are not merged: their union changes seven verdicts on the labelled sets (each reader gains
#: what the other ignores, e.g. "the idea that" for statements, "known for" for claims).
REPORTED_BELIEF_OR_STORY = re.compile(
    r"\b(?:(?:some|many|most|several|lots of|a lot of)\s+(?:people|folks|readers|fans|others)|people|"
    r"folks|legend|folklore|tradition|astrolog\w*|fairy tales?|stories|myths?|rumou?rs?|"
    r"superstitions?|rhymes?)\s+(?:\w+\s+){0,2}?(?:believe\w*|think|thought|say|said|claim\w*|suggest\w*|"
    r"assume\w*|holds?|tells?|goes|wonder\w*|interpret\w*|see|noticed)\b"
    r"|\b(?:markets?|bills?|calls?|brands?|advertises?|promotes?) (?:itself|themselves) as\b"
    r"|\byou(?:'re| are| may be| might be)? (?:probably |likely |possibly )?thinking of\b"
    r"|\b(?:slogan|nickname[sd]?|dubbed|so-called|marketed as|billed as)\b"
    r"|\b(?:reputation|known for|may seem|might seem|seems? like|it'?s tempting|(?:is|are) often "
    r"(?:believed|thought|said)|in (?:fairy tales|stories|astrology|folklore|legend|myths?|"
    r"these contexts))\b"
    r"|\bif (?:\w+ ){1,3}?(?:meant|means|were|was|did|had)\b"
    r"|\b(?:popular culture|pop culture|hollywood|depict\w*|portray\w*|"
    r"(?:films?|movies?|cartoons?|tv shows?) (?:often |usually |always )?(?:show|shows|showed))\b",
    re.I,
)
#: Words after a mention, in its clause, that deny it ("Sydney is not the capital").
NEG_AFTER = re.compile(
    r"^\W*(\w+\W+){0,4}?(is|was|are|were|'s)?\s*(not|n't|never|isn't|wasn't|aren't|actually not)\b"
    r"|^\W*(\w+\W+){0,1}?(would|could|does|do|did|can|will|should|has|have)n't\b"  # "IBS wouldn't cause"
    r"|^\W*(\w+\W+){0,3}?(is|was|are|'s)\s+(a\s+)?(common\s+)?(myth|misconception|mistake|wrong|"
    r"incorrect|false|a guess)\b"
    r"|^\W*(\w+\W+){0,2}?(is|was|'s)\s+(just\s+|only\s+)?an?\s+((very|quite|pretty|really|totally)\s+)?"
    r"(common|natural|understandable|reasonable|easy|obvious|tempting|popular)\s+(guess|answer|mistake|"
    r"assumption|pick)\b"  # "Wellington is a very natural guess since it's the capital"
    # A runner-up: "Canada is the second-largest country" (the question asked for the first).
    r"|^\W*(is|was|ranks?|comes?)\s+(only\s+|just\s+)?(the\s+)?(second|third|fourth|fifth|next|"
    r"runner[- ]up)\b"
    # A demoted answer: "IL-4 might not be the most relevant", "X isn't the best choice here".
    r"|^\W*(\w+\W+){0,9}?(might|may|would|does|do)\s+not\s+(be\s+)?(the\s+)?(only|most|best|main|"
    r"first|primary|right|ideal|likely|typically|accurate|correct|true|the case)\b"
)
# "X is the largest city" asserts X: superlatives are not denials (they were, and read
# "Jupiter is the largest planet." as denying Jupiter). "Sydney is the largest city, but the
# capital is Canberra" is read by the contrast rule instead.


#: After an attribution, words that confirm what was attributed.
_CONFIRMED = re.compile(r"\b(?:is|was|are) (?:indeed|correct|right|exactly|in fact)\b|\bindeed\b")
#: Phrases that look negative but neither deny nor hedge away what follows them.
_BENIGN = re.compile(
    r"\b(no doubt|no question|no wonder|not only|not just|not (100%|completely|entirely|totally|"
    r"quite|absolutely) (sure|certain)|don't worry|do not worry|no worries|never fear|"
    r"not to worry|no need to worry)\b"
)


def fold(text: str) -> str:
    """Accents dropped character by character ("Gdańsk" -> "Gdansk"), so offsets are kept."""
    out = []
    for c in text:
        if ord(c) < 128:
            out.append(c)
            continue
        d = unicodedata.normalize("NFKD", c)
        base = d[0] if d and all(unicodedata.combining(x) for x in d[1:]) else c
        out.append(base if len(base) == 1 and not unicodedata.combining(base) else c)
    return "".join(out)


def clean(text: str) -> str:
    """Unicode NFKC, curly apostrophes made straight, control characters dropped."""
    text = unicodedata.normalize("NFKC", text).translate(_APOSTROPHES)
    return "".join(c for c in text if c in "\n\t" or unicodedata.category(c)[0] != "C")


def normalize(text: str) -> str:
    """TriviaQA normalisation: lower case, no punctuation, no articles, single spaces."""
    text = clean(text).lower().translate(_PUNCT)
    text = _ARTICLES.sub(" ", text)
    return " ".join(text.split())


def clauses(text: str) -> list[tuple[int, int]]:
    """(start, end) character spans of the clauses of `text`."""
    spans, start = [], 0
    for m in _CLAUSE_SPLIT.finditer(text):
        if m.start() > start:
            spans.append((start, m.start()))
        start = m.end()
    if start < len(text):
        spans.append((start, len(text)))
    return spans


@dataclass(frozen=True)
class Mention:
    """One occurrence of an answer in the reply, and whether the reply denies it there."""

    start: int
    end: int
    negated: bool
    clause: int


_SUFFIXES = ("isms", "ations", "ation", "ically", "ical", "ism", "ions", "ion", "ics", "ies", "es", "s", "us",
             "um", "ae", "al", "ia", "ic", "ing", "ed", "ly", "i", "a", "y")


_GRAPH = re.compile(r"(?<=o)(?:graphy|graphic|graphs?|grams?)$")


def stem(word: str) -> str:
    """A crude stem for word forms of common words ("emboli", "embolism" -> "embol").

    A test and its record share one ("echocardiography", "echocardiogram" -> "echocardiogr").
    """
    w = word.lower()
    if _GRAPH.search(w) and len(w) >= 9:
        return _GRAPH.sub("gr", w)
    for suf in _SUFFIXES:
        if w.endswith(suf) and len(w) - len(suf) >= 5:
            w = w[: -len(suf)]
            break
    return w[:-1] if w.endswith("e") and len(w) >= 6 else w


def _word_pattern(word: str, raw: str, forms: bool) -> str:
    """One alias word: exact, or (a common word of six letters or more) any of its word forms."""
    proper = raw[:1].isupper()
    if forms and not proper and word.isalpha() and len(word) >= 6:
        return re.escape(stem(word)) + r"\w{0,5}"
    return re.escape(word)


def _alias_pattern(alias: str, forms: bool = False) -> re.Pattern[str] | None:
    """Whole-word pattern for an alias; short alphabetic aliases ("Au", "K") keep their case.

    With `forms`, common (lower-case) words also match their other forms ("false negatives"
    for "false negative", "embolism" for "emboli"); names always match exactly.
    """
    alias = fold(alias)
    words = normalize(alias).split()
    if not words:
        return None
    if len(words) == 1 and words[0].isalpha() and (len(words[0]) <= 2 or alias.isupper() and len(alias) <= 5):
        # "Au", "K", "ALL", "CBT": short or capital aliases keep their case ("all" is not ALL)
        raw = re.sub(r"\W", "", clean(alias))
        return re.compile(rf"(?<![\w'])({re.escape(raw)})(?![\w'])")
    raws = [w for w in re.split(r"[\W_]+", clean(alias)) if w and w.lower() not in ("a", "an", "the")]
    if len(raws) != len(words):
        raws = words
    # The first word of a multi-word alias is capitalised by position, not because it is a name.
    raws = [r.lower() if i == 0 and len(raws) > 1 else r for i, r in enumerate(raws)]
    # Tolerate punctuation and articles between the words, as normalisation would.
    sep = r"(?:[\W_]+(?:(?:a|an|the)[\W_]+)?)"
    body = sep.join(_word_pattern(w, r, forms) for w, r in zip(words, raws, strict=True))
    return re.compile(rf"(?<![^\W_])({body})(?![^\W_])", re.I)


def find_mentions(text: str, aliases: tuple[str, ...] | list[str],
                  forms: bool = False) -> list[tuple[int, int]]:
    """Character spans of every whole-word occurrence of any alias in `text` (already cleaned)."""
    spans = []
    for alias in aliases:
        pat = _alias_pattern(alias, forms)
        if pat is None:
            continue
        short = normalize(alias) in _SHORT_WORDS
        for m in pat.finditer(text):
            if short and _sentence_initial(text, m.start()):
                continue
            spans.append((m.start(1), m.end(1)))
    return _drop_nested(spans)


def _sentence_initial(text: str, pos: int) -> bool:
    """Is `pos` the start of the text or of a sentence (the first word after an end mark)?"""
    before = text[:pos].rstrip()
    return not before or SENTENCE_END.match(text, len(before) - 1) is not None


def _drop_nested(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    spans = sorted(set(spans), key=lambda s: (s[0], -(s[1] - s[0])))
    out: list[tuple[int, int]] = []
    for s in spans:
        if out and s[0] < out[-1][1]:
            continue
        out.append(s)
    return out


def drop_overlapping(spans: list[tuple[int, int]], keep: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """`spans` minus those overlapping a span of `keep` (the longer answer owns the text)."""
    return [s for s in spans if not any(s[0] < k[1] and k[0] < s[1] for k in keep)]


def mentions(text: str, spans: list[tuple[int, int]]) -> list[Mention]:
    """Attach negation (within the mention's clause) to each span."""
    low = text.lower()
    cl = clauses(low)
    out = []
    for s, e in spans:
        idx = next((i for i, (a, b) in enumerate(cl) if a <= s < b), len(cl))
        a, b = cl[idx] if idx < len(cl) else (0, len(low))
        before = _BENIGN.sub(" ", low[a:s])
        words_before = " ".join(before.split()[-6:])
        after = low[e:b]
        attrib = ATTRIB_BEFORE.search(before)
        if attrib and _CONFIRMED.search(before[attrib.end():]):
            attrib = None  # "the title you're thinking of is indeed X" confirms X
        negated = bool(NEG_BEFORE.search(words_before) or attrib or NEG_AFTER.search(after))
        out.append(Mention(s, e, negated, idx))
    return out
