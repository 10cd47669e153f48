"""Agreement between a scorer and labelled replies: percent agreement, Cohen's kappa, disagreements.

A labelled set is a table (parquet or JSONL) with one row per reply: `output`, `label`
(CORRECT / INCORRECT / REFUSAL), `prompt_template` (the belief; default 'original') and either
`suite` + `item_id` of a suite item, or the item inline (`question`, `answer`,
`incorrect_answer`, `answer_type`, optional `aliases`, `options`). warmgate ships one
(`builtin_labelled()`): hand-written tricky replies plus real replies of the embedded model.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from warmgate.errors import WarmgateError
from warmgate.scoring import EVALUATIONS, Score, score_reply
from warmgate.scoring.refusal import family_of, suite_of
from warmgate.suites import Item, load_suite

LABELLED_V1 = Path(__file__).with_name("labelled_v1.jsonl")


@dataclass(frozen=True)
class Agreement:
    """How often a scorer matched the labels, chance-corrected, and where it did not."""

    n: int
    agree: int
    kappa: float
    confusion: dict[tuple[str, str], int]
    disagreements: list[dict] = field(default_factory=list)
    rows: list[dict] = field(default_factory=list)  # per row: row, family, arm, label, scored, unsure

    @property
    def percent(self) -> float:
        return 100.0 * self.agree / self.n if self.n else 0.0

    @property
    def unsure_share(self) -> float:
        """Share of rows the scorer marked unsure (what a cascade would send to a judge)."""
        return sum(r["unsure"] for r in self.rows) / len(self.rows) if self.rows else 0.0

    def subset(self, keep: Callable[[dict], bool]) -> Agreement:
        """The agreement on the rows `keep` selects (by family, arm, or the sure ones)."""
        rows = [r for r in self.rows if keep(r)]
        labels, preds = [r["label"] for r in rows], [r["scored"] for r in rows]
        agree = sum(a == b for a, b in zip(labels, preds, strict=True))
        kappa = cohen_kappa(labels, preds) if rows else float("nan")
        numbers = {r["row"] for r in rows}
        return Agreement(len(rows), agree, kappa, dict(Counter(zip(labels, preds, strict=True))),
                         [d for d in self.disagreements if d["row"] in numbers], rows)

    def groups(self, key: str) -> dict[str, Agreement]:
        """The agreement per value of a row field ('family', 'arm')."""
        values = sorted({r[key] for r in self.rows if r[key]})
        return {v: self.subset(lambda r, v=v: r[key] == v) for v in values}

    def summary_lines(self) -> list[str]:
        """Per family and arm: unsure share and error rates (labels vs scorer); the sure rows."""
        out = []
        for key in ("family", "arm"):
            for name, a in self.groups(key).items():
                label, scored = a.error_rates()
                kappa = "n/a" if a.kappa != a.kappa else f"{a.kappa:.3f}"
                out.append(f"  {key} {name:<16} rows {a.n:>4}  agreement {a.percent:5.1f}%  kappa {kappa}  "
                           f"unsure {100 * a.unsure_share:5.1f}%  error rate: labels {100 * label:5.1f}%, "
                           f"scorer {100 * scored:5.1f}%")
        sure = self.subset(lambda r: not r["unsure"])
        out.append(f"unsure {100 * self.unsure_share:.1f}% of rows (a cascade sends these to its judge); "
                   f"on the {sure.n} sure rows: agreement {sure.percent:.1f}%")
        return out

    def error_rates(self) -> tuple[float, float]:
        """The INCORRECT share by the labels and by the scorer (what a gate's error rate reads)."""
        if not self.rows:
            return float("nan"), float("nan")
        n = len(self.rows)
        return (sum(r["label"] == "INCORRECT" for r in self.rows) / n,
                sum(r["scored"] == "INCORRECT" for r in self.rows) / n)


def cohen_kappa(a: Sequence[str], b: Sequence[str]) -> float:
    """Cohen's kappa of two raters over the same rows (1 = perfect, 0 = chance); NaN where it is
    undefined: both raters used one and the same class, so chance agreement is already 1."""
    if len(a) != len(b) or not a:
        raise ValueError("kappa needs two equally long, non-empty rating lists")
    n = len(a)
    po = sum(x == y for x, y in zip(a, b, strict=True)) / n
    ca, cb = Counter(a), Counter(b)
    pe = sum(ca[k] * cb[k] for k in set(ca) | set(cb)) / (n * n)
    return float("nan") if pe == 1 else (po - pe) / (1 - pe)


def builtin_labelled() -> pd.DataFrame:
    """warmgate's own labelled set."""
    return read_labelled(LABELLED_V1)


def read_labelled(path: Path) -> pd.DataFrame:
    """Read a labelled set (parquet or JSONL); a missing column or bad label names the row."""
    path = Path(path)
    if not path.exists():
        raise WarmgateError(f"labelled set not found: {path}")
    if path.suffix == ".jsonl":
        rows = []
        for lineno, line in enumerate(path.read_text("utf-8").splitlines(), start=1):
            if line.strip():
                try:
                    rows.append(json.loads(line))
                except json.JSONDecodeError as e:
                    raise WarmgateError(f"{path}:{lineno}: bad JSON ({e.msg})") from None
        df = pd.DataFrame(rows)
        if df.empty:
            raise WarmgateError(f"{path}: the labelled set has no rows (one JSON object per line, "
                                "with output, label, and item_id or an inline item)")
    else:
        try:
            df = pd.read_parquet(path)
        except Exception as e:  # pyarrow raises several types for a damaged file
            raise WarmgateError(f"{path}: cannot read labelled set ({e})") from None
        if df.empty:
            raise WarmgateError(f"{path}: the labelled set has no rows")
    for col in ("output", "label"):
        if col not in df.columns:
            raise WarmgateError(f"{path}: labelled set lacks column {col!r} (needs output, label, "
                                "and item_id or an inline item)")
    bad = df[~df["label"].isin(EVALUATIONS)]
    if len(bad):
        row = int(bad.index[0])
        raise WarmgateError(f"{path}: row {row + 1}: field 'label' is {bad['label'].iloc[0]!r}; "
                            f"expected one of {', '.join(EVALUATIONS)}")
    return df


def _strings(value: object) -> tuple[str, ...]:
    """A list cell (list, array or missing/NaN) as a tuple of non-empty strings."""
    if isinstance(value, str) or not hasattr(value, "__len__"):
        return ()
    return tuple(str(v) for v in value if isinstance(v, str) and v.strip())


def _item_for(row: dict, suites: dict[str, dict[str, Item]], where: str) -> Item:
    if isinstance(row.get("answer_type"), str) and isinstance(row.get("answer"), str):
        opts = row.get("options")
        # a JSONL set read by pandas fills a missing dict cell with NaN
        opts = {k: v for k, v in opts.items() if isinstance(v, str)} if isinstance(opts, dict) else None
        return Item(
            id=str(row.get("item_id", "inline")), question=str(row.get("question", "")),
            answer=row["answer"], incorrect_answer=str(row.get("incorrect_answer", "")),
            answer_type=row["answer_type"], options=opts or None,
            aliases=_strings(row.get("aliases")), incorrect_answers=_strings(row.get("incorrect_answers")),
        )
    item_id = row.get("item_id")
    if not isinstance(item_id, str):
        raise WarmgateError(f"{where}: needs 'item_id' (with 'suite') or an inline item")
    suite = row.get("suite") if isinstance(row.get("suite"), str) else suite_of(item_id)
    if suite not in suites:
        suites[suite] = {it.id: it for it in load_suite(suite).items}
    if item_id not in suites[suite]:
        raise WarmgateError(f"{where}: item {item_id!r} is not in suite {suite!r}")
    return suites[suite][item_id]


Scorer = Callable[[Item, str, str, str | None], Score]


def _rules(item: Item, reply: str, belief: str, suite: str | None) -> Score:
    return score_reply(item, reply, belief, suite)


def agreement(df: pd.DataFrame, scorer: Scorer = _rules, where: str = "labelled set") -> Agreement:
    """Score every labelled row with `scorer` and compare with its label."""
    suites: dict[str, dict[str, Item]] = {}
    labels, preds, dis, rows = [], [], [], []
    for i, row in enumerate(df.to_dict("records")):
        item = _item_for(row, suites, f"{where}: row {i + 1}")
        belief = row.get("prompt_template") if isinstance(row.get("prompt_template"), str) else "original"
        suite = _text(row.get("suite")) or _text(row.get("family")) or None
        got = scorer(item, row["output"], belief, suite)
        labels.append(row["label"])
        preds.append(got.evaluation)
        family = _text(row.get("family")) or family_of(suite or suite_of(item.id))
        rows.append({"row": i + 1, "family": family, "arm": _text(row.get("arm")), "label": row["label"],
                     "scored": got.evaluation, "unsure": bool(getattr(got, "unsure", False)),
                     "output": row["output"]})
        if got.evaluation != row["label"]:
            dis.append({"row": i + 1, "id": row.get("id", ""), "item_id": item.id, "belief": belief,
                        "label": row["label"], "scored": got.evaluation, "flag": got.flag,
                        "output": row["output"]})
    confusion = Counter(zip(labels, preds, strict=True))
    return Agreement(len(labels), len(labels) - len(dis), cohen_kappa(labels, preds),
                     dict(confusion), dis, rows)


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""
