"""MedQA (US, 4 options), optionally rewritten as the patient asking in the first person."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from warmgate.suites.importers.common import (
    ImportReport,
    ImportResult,
    _Collector,
    _finish,
    _jsonl,
    _qid,
)

_CHILD = r"(?:boy|girl|infant|newborn|neonate|baby|toddler|child|son|daughter)"
_AGE = r"\d+(?:[.,]\d+)?[- ](?:year|month|week|day|hour)s?[- ]old"
_PATIENT = re.compile(
    rf"\b(?P<art>[Aa]n?) (?P<desc>(?:(?:previously healthy|otherwise healthy|healthy|pregnant|"
    rf"primigravid|nulliparous|obese|Caucasian|African[- ]American|Asian|Hispanic|white|black|"
    rf"full[- ]term|preterm|male|female)\s+)*(?:{_AGE}[\s-]+)?"
    rf"(?:(?:[\w'’-]+)\s+){{0,3}}?(?P<noun>man|woman|male|female|{_CHILD}|patient|gentleman|"
    rf"lady|student|athlete|veteran))\b"
)
_IRREGULAR = {"has": "have", "is": "am", "does": "do", "was": "was", "says": "say"}
_MODALS = {"is", "was", "has", "had", "will", "would", "should", "can", "could", "may", "might",
           "must", "does", "did", "cannot"}
_ADVERBS = r"(?:also|currently|still|now|recently|often|usually|never|always|only|then|later|" \
           r"subsequently|occasionally|previously|otherwise|frequently|additionally)"
_AND_VERBS = r"(?:takes|asks|reports|denies|says|states|has|is|smokes|drinks|works|lives|uses|" \
             r"appears|notes|complains|describes|feels|returns|receives|admits|recalls|" \
             r"mentions|exercises|travels|wants|wishes|requests|refuses|endorses|was|had)"


_MAIN_VERBS = r"comes|presents|is|was|has|had|visits|reports|develops|returns|undergoes|" \
              r"complains|seeks|arrives|calls|receives|consults|schedules|notices|experiences|" \
              r"goes|attends|requests|wants|asks|delivers|gives|sustains|collapses|faints"


def _first_person_verb(verb: str) -> str:
    if verb in _IRREGULAR:
        return _IRREGULAR[verb]
    if re.fullmatch(r"[a-z]+ies", verb):
        return verb[:-3] + "y"
    if re.fullmatch(r"[a-z]+(?:ss|sh|ch|x|z|o)es", verb):
        return verb[:-2]
    if re.fullmatch(r"[a-z]{2,}s", verb) and not verb.endswith(("ss", "us", "is")):
        return verb[:-1]
    return verb


def _verbish(word: str) -> bool:
    return word in _MODALS or bool(re.fullmatch(r"[a-z]{2,}(?:s|ed)", word))


def _her(match: re.Match[str]) -> str:
    """'her' is 'my' before a noun phrase and 'me' before punctuation or a preposition."""
    word = match.group(0)
    rest = match.string[match.end():]
    nxt = re.match(r"\s*([A-Za-z]+|[^\sA-Za-z]|$)", rest)
    token = (nxt.group(1) if nxt else "").lower()
    obj = token in {"", ".", ",", ";", ":", "?", ")", "and", "or", "to", "with", "for", "in",
                    "on", "at", "that", "because", "about", "as", "from", "by", "if", "when",
                    "after", "before", "since", "into", "up", "down", "out", "off", "over",
                    "again", "home", "yesterday", "today", "twice", "once"}
    out = "me" if obj else "my"
    return out.capitalize() if word[0].isupper() else out


def _swap_pronouns(text: str) -> str:
    def subj(m: re.Match[str]) -> str:
        verb = m.group("v")
        if not _verbish(verb):
            return m.group(0)
        return f"I {_first_person_verb(verb)}"

    text = re.sub(rf"\b(?:[Hh]e|[Ss]he) {_ADVERBS} (?P<v>\w+)\b",
                  lambda m: f"I {m.group(0).split()[1]} {_first_person_verb(m.group('v'))}", text)
    text = re.sub(r"\b(?:[Hh]e|[Ss]he) (?P<v>\w+)\b", lambda m: (
        f"I {_first_person_verb(m.group('v'))}"), text)
    text = re.sub(r"\b(?:[Tt]he|[Tt]his) patient's\b", "my", text)
    text = re.sub(r"\b(?:[Tt]he|[Tt]his) patient (?P<v>\w+)\b", subj, text)
    text = re.sub(r"\b[Tt](?:he|his) patient\b", "me", text)
    text = re.sub(r"\bhimself\b|\bherself\b", "myself", text)
    text = re.sub(r"\bHis\b", "My", text)
    text = re.sub(r"\bhis\b", "my", text)
    text = re.sub(r"\bhim\b", "me", text)
    text = re.sub(r"\b[Hh]er\b", _her, text)
    # "I have no history of illness and takes no medications" -> "... and take ..."
    text = re.sub(rf"(\bI\b[^.?!]*?\b(?:and|but|or)) ({_AND_VERBS})\b",
                  lambda m: f"{m.group(1)} {_first_person_verb(m.group(2))}", text)
    text = re.sub(rf"\bI ({_ADVERBS}) (\w+)\b",
                  lambda m: f"I {m.group(1)} {_first_person_verb(m.group(2))}", text)
    return text


def _hide_options(question: str) -> str:
    """Turn 'Which of the following ...?' into an open question: the options are not shown."""
    q = re.sub(r"\b[Ww]hich of the following (is|are|was|were|would|will|could|should|can|"
               r"might|best|most)\b", lambda m: ("What " if m.group(0)[0] == "W" else "what ")
               + m.group(1), question)
    q = re.sub(r"\b[Ww]hich of the following\b",
               lambda m: "Which" if m.group(0)[0] == "W" else "which", q)
    q = re.sub(r"\b(?:of |from )?the following\b", "", q)
    return re.sub(r"\s+([?.,])", r"\1", q)


def first_person(stem: str) -> tuple[str, bool]:
    """Rewrite a third-person USMLE vignette as the patient (or a child's parent) asking.

    Returns the text and whether a patient was found. Rule-based and deterministic: the first
    patient mention becomes "I'm a ..." (or "My ..." for a child), later pronouns follow, and
    "which of the following" becomes an open question. Where no patient is named (a vignette
    about a resident, say) the stem stays in the third person with its options hidden. The
    study rewrote its stems too (its rewrites were not released); these rules are warmgate's.
    """
    text = " ".join(stem.split())
    m = _PATIENT.search(text)
    if m is None:
        return _hide_options(text), False
    desc, noun = m.group("desc"), m.group("noun")
    before, after = text[: m.start()], text[m.end():]
    if re.fullmatch(_CHILD, noun):
        child = {"boy": "son", "girl": "daughter"}.get(noun, noun)
        desc = desc[: -len(noun)] + child
        intro = ("My " if not before.strip() or before.rstrip().endswith(".") else "my ") + desc
        rest = re.sub(r"\b[Tt]his patient\b|\b[Tt]he patient\b", f"my {child}", after)
        return _hide_options(before + intro + rest), True
    art = m.group("art").lower()
    if not before.strip():
        sentence_end = re.search(r"[.?!](\s|$)", after)
        first = after[: sentence_end.start()] if sentence_end else after
        verb = re.search(rf"\b({_MAIN_VERBS})\b", first)
        if verb and verb.start() <= 1:
            rest = " who" + after  # "I'm a 35-year-old man who comes to ..."
        elif verb:
            v = verb.group(1)
            conj = {"is": "am", "was": "was", "had": "had"}.get(v, _first_person_verb(v))
            rest = after[: verb.start()].rstrip(", ") + f", and I {conj}" + after[verb.end():]
        else:
            rest = after
        return _hide_options(f"I'm {art} {desc}" + _swap_pronouns(rest)), True
    verb = re.match(r"\s+(\w+)", after)
    rest = f" {_first_person_verb(verb.group(1))}" + after[verb.end():] if verb else after
    return _hide_options(_swap_pronouns(before) + f"I, {art} {desc}," + _swap_pronouns(rest)), True


def import_medqa(path: Path, incorrect: dict[str, str] | None = None,
                 rewrite: bool = False) -> ImportResult:
    """MedQA US 4-option JSONL; `rewrite` gives the study's form: first person, options hidden."""
    report = ImportReport("medqa" + (" --first-person" if rewrite else ""), str(path))
    coll = _Collector(report)
    drafts = []
    for where, r in _jsonl(path, report):
        if not isinstance(r, dict):
            coll.add(where, None, "expected a JSON object")
            continue
        options = r.get("options")
        letter = r.get("answer_idx")
        if not isinstance(options, dict) or letter not in options:
            coll.add(where, None, "needs 'options' (letter -> text) and 'answer_idx' naming one")
            continue
        options = {str(k): str(v).strip() for k, v in options.items()}
        stem = str(r.get("question") or "").strip()
        others = sorted(k for k in options if k != letter)
        if not others:
            coll.add(where, None, "only one option: no incorrect answer")
            continue
        key = int.from_bytes(hashlib.sha256(stem.encode()).digest()[:8], "big")
        wrong = others[key % len(others)]
        base = {
            "id": _qid("medqa", stem),
            "difficulty": str(r.get("meta_info") or ""),  # 'stfep2&3' typo kept as is
            "license": "MIT",
            "provenance": "MedQA (USMLE, US 4-option)",
        }
        if rewrite:
            question, found = first_person(stem)
            drafts.append((where, {
                **base,
                "question": question,
                "answer": options[letter],
                "aliases": [],
                "incorrect_answer": options[wrong],
                # the options are hidden from the prompt but still known to the item: every
                # other option is an incorrect answer the scorer weighs a reply against
                "incorrect_answers": [options[wrong], *(options[k] for k in others if k != wrong)],
                "answer_type": "short",
                "notes": "MedQA stem rewritten in the first person, options hidden (warmgate "
                "rules)" if found else "MedQA stem kept in the third person (no patient named), "
                "options hidden",
            }))
        else:
            listing = "\n".join(f"{k}. {v}" for k, v in sorted(options.items()))
            drafts.append((where, {
                **base,
                "question": f"{stem}\n{listing}",
                "answer": letter,
                "aliases": [options[letter]],
                "incorrect_answer": wrong,
                "answer_type": "multiple_choice",
                "options": options,
                "notes": "MedQA as published: options shown",
            }))
    return _finish(coll, drafts, incorrect)
