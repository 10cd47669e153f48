"""How much of a chat reply the rule scorer needs, and whether its errors depend on reply length.

For each labelled set, every reply is cut to its first N tokens (the embedded Gemma-3 tokenizer,
close to Llama's and Qwen's counts for English) and re-scored against the same label: agreement,
kappa, unsure share, and the scorer's error rate against the labels' (what a gate's verdict
reads). A cut reply the judge labelled on its full text is a lower bound on what a model stopped
at N tokens would get. Then the full replies are split at the median length: agreement and the
error-rate gap (scorer minus labels) on the short and the long half, the length bias the issue
warns about (a warm model's longer replies misread more).

    .venv/bin/python benchmarks/scorer_length.py [LABELLED.jsonl ...] [--tokens 32 64 128 256]

Default sets: the study's Qwen-2.5-32B dev replies and warmgate's handwritten chat dev set.
"""

from __future__ import annotations

import argparse
import statistics
from pathlib import Path

from warmgate.scoring.agreement import Agreement, agreement, read_labelled

ROOT = Path(__file__).resolve().parent.parent
DEFAULT = [ROOT.parent / "shared" / "reference" / "warm_ai_2025" / "labelled" / "qwen_32b_dev.jsonl",
           ROOT / "warmgate" / "scoring" / "labelled_chat_v1.jsonl"]


def _tokenizer():
    """The embedded model's tokenizer (fast, no model weights loaded)."""
    from tokenizers import Tokenizer

    from warmgate.embedded import embedded_model_dir

    return Tokenizer.from_file(str(embedded_model_dir() / "tokenizer.json"))


def truncate(text: str, n: int, tok) -> str:
    """The first `n` tokens of `text`, cut from the original string by token offsets."""
    enc = tok.encode(text, add_special_tokens=False)
    if len(enc.ids) <= n:
        return text
    return text[: enc.offsets[n - 1][1]]


def _line(name: str, a: Agreement) -> str:
    label, scored = a.error_rates()
    kappa = "  n/a" if a.kappa != a.kappa else f"{a.kappa:5.2f}"
    return (f"| {name} | {a.n} | {a.percent:5.1f} | {kappa} | {100 * a.unsure_share:5.1f} | "
            f"{100 * label:5.1f} | {100 * scored:5.1f} | {100 * (scored - label):+5.1f} |")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("sets", nargs="*", type=Path, default=DEFAULT)
    p.add_argument("--tokens", nargs="+", type=int, default=[32, 64, 128, 256])
    args = p.parse_args()
    tok = _tokenizer()
    header = ("| cut | rows | agreement % | kappa | unsure % | error rate labels % | scorer % | gap pp |\n"
              "|---|---|---|---|---|---|---|---|")
    for path in args.sets:
        df = read_labelled(path)
        lengths = [len(tok.encode(str(o), add_special_tokens=False).ids) for o in df["output"]]
        print(f"\n### {path.name}: {len(df)} replies, median {statistics.median(lengths):.0f} tokens, "
              f"max {max(lengths)}\n")
        print(header)
        for n in args.tokens:
            cut = df.copy()
            cut["output"] = [truncate(str(o), n, tok) for o in df["output"]]
            print(_line(f"{n} tokens", agreement(cut, where=str(path))))
        full = agreement(df, where=str(path))
        print(_line("full", full))
        median = statistics.median(lengths)
        for r, n in zip(full.rows, lengths, strict=True):
            r["length"] = "short" if n <= median else "long"
        print(f"\nfull replies by length (median {median:.0f} tokens):\n")
        print(header.replace("| cut |", "| half |"))
        for half in ("short", "long"):
            print(_line(half, full.subset(lambda r, h=half: r["length"] == h)))


if __name__ == "__main__":
    main()
