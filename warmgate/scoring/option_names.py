"""The names replies use for a MedQA option beyond its own words: initials are matched by
`text.find_mentions`; these are the rest. Test-accuracy terms of art ("less sensitive" for "more
false negatives"), other names ("broken heart syndrome"), an abbreviated genus ("S. aureus"), a
spaced abbreviation run together ("GpIb"), and a management option's object without its verb
("calcium gluconate" for "Administer calcium gluconate").
"""

from __future__ import annotations

import re

from rapidfuzz import fuzz

from warmgate.scoring.aliases import expand

#: Test-accuracy terms of art: a reply says "less sensitive" for "more false negatives".
_UP, _DOWN = r"(?:increase[sd]?|more|higher|rise)", r"(?:decrease[sd]?|fewer|lower|reduc\w*)"
_FALSE = r" (?:in |of )?(?:the )?(?:number of )?false "


def _change(direction: str, kind: str) -> re.Pattern[str]:
    """An option that says a test's false negatives or positives rise or fall."""
    return re.compile(rf"^{direction}{_FALSE}{kind}s?\b", re.I)


_TEST_TERMS = (
    (_change(_UP, "negative"),
     ("less sensitive", "lower sensitivity", "decreased sensitivity", "reduced sensitivity",
      "sensitivity decreases", "sensitivity would decrease", "sensitivity falls", "loss of sensitivity",
      "more false negatives", "more false-negative",
      # a raised cut-off, said by its effect: cases with the disease go undiagnosed
      "reduced number of diagnoses", "fewer diagnoses", "fewer people would be diagnosed",
      "fewer individuals would be diagnosed", "fewer patients would be diagnosed", "missed diagnoses",
      "missed cases", "underdiagnosis")),
    (_change(_UP, "positive"),
     ("less specific", "lower specificity", "decreased specificity", "reduced specificity",
      "specificity decreases", "specificity would decrease", "specificity falls", "loss of specificity",
      "more false positives", "more false-positive")),
    (_change(_DOWN, "negative"),
     ("more sensitive", "higher sensitivity", "increased sensitivity", "sensitivity increases",
      "fewer false negatives")),
    (_change(_DOWN, "positive"),
     ("more specific", "higher specificity", "increased specificity", "specificity increases",
      "fewer false positives")),
)


def terms_of_art(refs: list[str]) -> list[str]:
    """The sensitivity/specificity phrasings of false-negative/false-positive references."""
    out = []
    for ref in refs:
        for pat, said in _TEST_TERMS:
            if pat.search(ref.strip()):
                out += [p for p in said if p not in out]
    return out


#: A genus and species ("Staphylococcus aureus", "Escherichia coli infection"): Latin endings.
_BINOMIAL = re.compile(r"^([A-Z])[a-z]{3,}(?:us|a|um|es|is|ia|er) "
                       r"([a-z]{2,}(?:us|a|um|i|is|ae|es|ans|ens|ii))\b((?: infection)?)$")


def _forms(refs: list[str]) -> list[str]:
    """A species with its genus abbreviated ("Staphylococcus aureus" as "S. aureus"), and a
    spaced abbreviation run together ("Gp Ib" as "GpIb")."""
    out = []
    for ref in refs:
        m = _BINOMIAL.match(ref.strip())
        if m:
            out.append(f"{m.group(1)}. {m.group(2)}{m.group(3)}")
        parts = ref.split()
        if 2 <= len(parts) <= 3 and all(len(p) <= 4 and p.isalnum() for p in parts):
            out.append("".join(parts))
    return out


def _plain(refs: list[str]) -> list[str]:
    """One-word references in lower case, so that their word forms match ("echocardiogram")."""
    return [r[:1].lower() + r[1:] if " " not in r.strip() and not r.isupper() else r for r in refs]


#: Names replies use for a term of art that neither its words nor its initials give (keys are
#: lower case; a reference matches a key when they are nearly the same, typos included).
_NAMES = {
    "takotsubo cardiomyopathy": ("broken heart syndrome", "stress cardiomyopathy",
                                 "stress-induced cardiomyopathy"),
    "upper gastrointestinal endoscopy": ("EGD", "esophagogastroduodenoscopy", "upper endoscopy",
                                         "upper GI endoscopy", "oesophagogastroduodenoscopy"),
    "myocardial infarction": ("heart attack", "MI", "STEMI", "NSTEMI"),
    "cerebrovascular accident": ("stroke",),
    "pulmonary embolism": ("PE", "blood clot in the lung", "blood clot in the lungs"),
    "lumbar puncture": ("spinal tap", "LP"),
    "computed tomography": ("CT", "CT scan", "CAT scan"),
    "electrocardiography": ("ECG", "EKG", "electrocardiogram"),
    "electroencephalography": ("EEG", "electroencephalogram"),
    "multiple sclerosis": ("MS",),
    "gastroesophageal reflux disease": ("GERD", "GORD", "acid reflux"),
    "deep venous thrombosis": ("DVT", "deep vein thrombosis"),
    "deep vein thrombosis": ("DVT", "deep venous thrombosis"),
    "systemic lupus erythematosus": ("lupus", "SLE"),
    "nonsteroidal anti-inflammatory drugs": ("NSAIDs", "NSAID"),
    "rectouterine pouch": ("pouch of Douglas", "posterior cul-de-sac", "cul-de-sac"),
    "linear aggregations of red blood cells": ("rouleaux", "rouleaux formation"),
    "s3 gallop": ("third heart sound", "S3"),
    "s4 gallop": ("fourth heart sound", "S4"),
}


#: Verbs of a management option that replies leave out ("intravenous calcium gluconate" for
#: "Administer calcium gluconate"); not "stop"/"continue", whose object alone says the opposite.
_ORDER = re.compile(r"^(?:administer|give|begin|start|initiate|obtain|perform|order|prescribe|"
                    r"schedule|recommend|add)\s+(?:(?:a|an|the|with|oral|intravenous|iv)\s+)*", re.I)


def _objects(refs: list[str]) -> list[str]:
    """The object of each management option that starts with its verb, when it names something."""
    out = []
    for ref in refs:
        rest = _ORDER.sub("", ref.strip())
        if rest != ref.strip() and (len(rest.split()) >= 2 or len(rest) >= 6):
            out.append(rest)
    return out


def _named(refs: list[str]) -> list[str]:
    """The other names (`_NAMES`) of each reference."""
    out: list[str] = []
    for ref in refs:
        key = ref.strip().lower()
        for name, said in _NAMES.items():
            if key == name or len(key) > 10 and fuzz.ratio(key, name) >= 93:
                out += [n for n in said if n not in out]
    return out


def names(refs: list[str]) -> list[str]:
    """Every form of the references a reply may name them by (their own words first)."""
    return [*_plain(expand(refs)), *terms_of_art(refs), *_named(refs), *_forms(refs), *_objects(refs)]
