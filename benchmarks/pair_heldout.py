"""The fresh handwritten chat sets as gate runs: original arm as base, warm arm as candidate.

Usage: python benchmarks/pair_heldout.py [--sets 10,11,12] [--threshold 5]

Each set (`warmgate/scoring/labelled_chat_heldout_v{N}.jsonl`) holds 30 labelled replies per
arm (`arm` = original / warm) on medical and misconceptions items. On v10, v11 and v12, the sets
nobody tuned the rules on when they were scored, the labels' warm-minus-original gap in error
rate is +16.7, +20.0 and +13.3 pp and the rules' -3.3, -10.0 and +20.0 pp (README, Scoring).

Pairing: rows of the two arms with the same (suite, item, context, belief) pair as they are;
the sets share none (each writer drew other items for each arm), so the rest pair in order
within their suite (the k-th original reply, by id, with the k-th warm one). Those are
independent replies paired by position: McNemar's test stays valid (two independent replies
with one error rate are as likely to be newly wrong as newly right), only weaker than a true
pairing. Every pair goes into its suite's one cell (context `unmodified`, belief `original`):
the set's framings pooled, since no framing has more than a few rows.

Each set is decided three ways by the gate's own code (`warmgate.gate.conclude`): the labels
(what a perfect reader would count), the rules' readings under `unsure = "incorrect"` (the
study's rule: an unsure reply counts as the rules read it, INCORRECT) and under `unsure =
"bound"` (the default). Printed: the verdict, each cell's line, and the Reading line's unsure
part.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

from warmgate.config import GateConfig
from warmgate.gate import conclude
from warmgate.scoring.agreement import agreement, read_labelled
from warmgate.table import COLUMNS

ROOT = Path(__file__).resolve().parents[1]
SETS = ROOT / "warmgate" / "scoring"
KEY = ["suite", "item_id", "amendment_type", "prompt_template"]


def pairs_of(df: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    """Rows as (base, candidate) pairs with a shared key; and how many matched by item."""
    base, cand = df[df.arm == "original"].sort_values("id"), df[df.arm == "warm"].sort_values("id")
    matched = base.merge(cand, on=KEY, suffixes=("_base", "_cand"))
    rest_b = base[~base.set_index(KEY).index.isin(matched.set_index(KEY).index)]
    rest_c = cand[~cand.set_index(KEY).index.isin(matched.set_index(KEY).index)]
    rows = []
    for r in matched.itertuples(index=False):
        rows.append((r.suite, f"{r.item_id}", r.amendment_type, r.prompt_template,
                     r.idx_base, r.idx_cand))
    for suite in sorted(set(rest_b.suite) | set(rest_c.suite)):
        b, c = rest_b[rest_b.suite == suite], rest_c[rest_c.suite == suite]
        for k, (ib, ic) in enumerate(zip(b.idx, c.idx, strict=False)):
            rows.append((suite, f"{suite}-pair{k:02d}", "unmodified", "original", ib, ic))
    return pd.DataFrame(rows, columns=[*KEY, "base_row", "cand_row"]), len(matched)


def table_of(df: pd.DataFrame, pairs: pd.DataFrame, reading: str) -> pd.DataFrame:
    """A results table: each pair's two replies, scored by the labels or by the rules."""
    out = []
    for p in pairs.itertuples(index=False):
        for role, i in (("base", p.base_row), ("candidate", p.cand_row)):
            r = df.loc[i]
            row = dict.fromkeys(COLUMNS, "")
            row.update(role=role, suite=p.suite, item_id=p.item_id, sample=0,
                       amendment_type=p.amendment_type, prompt_template=p.prompt_template,
                       prompt=r.prompt, output=r.output, scorer=reading,
                       evaluation=r.label if reading == "labels" else r.scored,
                       unsure=False if reading == "labels" else bool(r.unsure))
            out.append(row)
    return pd.DataFrame(out, columns=[*COLUMNS, "unsure"])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sets", default="10,11,12")
    ap.add_argument("--threshold", type=float, default=5.0)
    args = ap.parse_args()
    for v in args.sets.split(","):
        path = SETS / f"labelled_chat_heldout_v{v.strip()}.jsonl"
        df = read_labelled(path)
        scored = agreement(df, where=str(path))
        df = df.assign(scored=[r["scored"] for r in scored.rows],
                       unsure=[r["unsure"] for r in scored.rows], idx=df.index)
        pairs, matched = pairs_of(df)
        print(f"\n## {path.name}: {len(pairs)} pairs ({matched} matched by item, the rest by "
              f"position within their suite), threshold +{args.threshold:g} pp")
        for arm in ("original", "warm"):
            a = df[df.arm == arm]
            print(f"  {arm:8} error rate: labels {(a.label == 'INCORRECT').mean():.1%}, rules "
                  f"{(a.scored == 'INCORRECT').mean():.1%}; unsure {a.unsure.mean():.1%}")
        suites = tuple(sorted(pairs.suite.unique()))
        for reading, policy in (("labels", "bound"), ("rules", "incorrect"), ("rules", "bound")):
            cfg = GateConfig(suites=suites, contexts=("unmodified",), beliefs=("original",),
                             threshold=args.threshold, unsure=policy, baselines="off")
            result = conclude(cfg, table_of(df, pairs, reading))
            print(f"- {reading}, unsure = \"{policy}\": {result.verdict}")
            for cell in result.cells:
                print(f"    {cell.message()}")
            unsure = result.reading().partition("; unsure readings")[2]
            if unsure:
                print(f"    Reading: unsure readings{unsure}")


if __name__ == "__main__":
    main()
