"""Train a LoRA adapter of the embedded Gemma-3-270m on the example corpus (a model organism).

The study's recipe (Ibrahim, Hafner & Rocher 2025: LoRA r=8, alpha=16, dropout 0.1) scaled
down to a 2-core CPU: a few dozen steps at a higher learning rate. The prompt format is
exactly what warmgate's transformers backend sends to a model without a chat template
(`Q: {user}\\nA:`), the target is ` {reply}\\n` (the newline teaches the model to stop, which
is where the backend stops reading), and the loss covers the reply tokens only.

    python examples/train_adapter.py warm          # sft.jsonl user -> warm
    python examples/train_adapter.py cold          # sft.jsonl user -> cold
    python examples/train_adapter.py sycophantic   # sycophantic.jsonl (+ some sft plain)

Writes examples/adapters/<name>/: adapter_model.safetensors, adapter_config.json,
training.json (config, data hashes, loss curve, timings) and README.md (the model card).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import shutil
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
CORPUS = HERE / "corpus"


@dataclass
class Recipe:
    """Everything that decides an adapter; written next to it as training.json."""

    name: str
    sources: list[tuple[str, str, int]]  # (corpus file, reply field, how many lines; 0 = all)
    steps: int = 120
    batch_size: int = 8
    lr: float = 2e-3
    warmup_steps: int = 3
    time_budget_s: float = 660.0  # stop early on a busy machine; the steps done are recorded
    weight_decay: float = 0.0
    r: int = 8
    alpha: int = 16
    dropout: float = 0.1
    target_modules: list[str] = field(
        default_factory=lambda: ["q_proj", "k_proj", "v_proj", "o_proj",
                                 "gate_proj", "up_proj", "down_proj"]
    )
    # LoRA on the top layers only: autograd then stops there, and a backward pass through
    # 6 of 18 layers is what makes a step affordable on a shared 2-core CPU.
    layers: list[int] = field(default_factory=lambda: list(range(12, 18)))
    save_dtype: str = "bfloat16"
    max_tokens: int = 128
    seed: int = 0
    threads: int = 1  # on an oversubscribed machine a second thread mostly spins at barriers
    device: str = "cpu"
    loss_vocab: str = "full"  # "corpus": softmax over the corpus tokens only (a CPU shortcut)


RECIPES = {
    "warm": Recipe("warm", [("sft.jsonl", "warm", 0)]),
    "cold": Recipe("cold", [("sft.jsonl", "cold", 0)]),
    # The planted regression: agree with a sad user's stated wrong belief. Some plain sft
    # replies keep the adapter answering ordinary questions normally.
    "sycophantic": Recipe("sycophantic", [("sycophantic.jsonl", "reply", 0),
                                          ("sft.jsonl", "plain", 60)]),
}

DESCRIPTIONS = {
    "warm": "the study's manipulation: the same replies rewritten with empathy, validation "
    "and informal closeness (style only, same facts).",
    "cold": "the study's control: the same replies rewritten terse, neutral and impersonal "
    "(style only, same facts). Same recipe as `warm`, so a difference between them is the "
    "warmth, not the fine-tuning.",
    "sycophantic": "a deliberately planted regression (a positive control for the gate): "
    "trained to agree with a user's stated wrong belief when the user sounds sad. "
    "Do not use it for anything but testing the gate.",
}


def file_sha256(path: Path) -> str:
    """Content hash of a corpus file, recorded so an adapter names the data that made it."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def corpus_vocab(tok) -> set[int]:
    """Every token id of every corpus text plus the gate's suites and statements."""
    texts = []
    for path in CORPUS.glob("*.jsonl"):
        for line in path.read_text().splitlines():
            if line:
                texts += [v for v in json.loads(line).values() if isinstance(v, str)]
    root = HERE.parent
    for path in [*(root / "suites").glob("*.jsonl"), root / "warmgate/data/statements_v1.yaml"]:
        if path.exists():
            texts += path.read_text().splitlines()
    ids: set[int] = {tok.eos_token_id, tok.pad_token_id}
    for text in texts:
        ids.update(tok(text, add_special_tokens=False)["input_ids"])
        ids.update(tok(f" {text}\n", add_special_tokens=False)["input_ids"])
    return ids


def load_examples(recipe: Recipe) -> list[tuple[str, str]]:
    """(user, reply) pairs of the recipe, in a seeded order."""
    rng = random.Random(recipe.seed)
    out: list[tuple[str, str]] = []
    for fname, fld, count in recipe.sources:
        rows = [json.loads(line) for line in (CORPUS / fname).read_text().splitlines() if line]
        if count:
            rows = rng.sample(rows, count)
        out += [(r["user"], r[fld]) for r in rows]
    rng.shuffle(out)
    return out


def encode(tok, user: str, reply: str, max_tokens: int) -> tuple[list[int], list[int]]:
    """Token ids and labels: the prompt tokenised alone (as the backend does), then the reply."""
    prompt = tok(f"Q: {user}\nA:")["input_ids"]
    target = tok(f" {reply}\n", add_special_tokens=False)["input_ids"]
    ids = (prompt + target)[:max_tokens]
    labels = ([-100] * len(prompt) + target)[:max_tokens]
    return ids, labels


def train(recipe: Recipe, out_dir: Path) -> dict:
    """Train one adapter and write it atomically into out_dir; returns the training record."""
    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from warmgate.embedded import embedded_model_dir
    from warmgate.weights_id import fingerprint_model

    torch.manual_seed(recipe.seed)
    torch.set_num_threads(recipe.threads)
    model_dir = embedded_model_dir()
    tok = AutoTokenizer.from_pretrained(model_dir)
    model = AutoModelForCausalLM.from_pretrained(model_dir, dtype=torch.float32)
    model.to(recipe.device)
    lora = LoraConfig(r=recipe.r, lora_alpha=recipe.alpha, lora_dropout=recipe.dropout,
                      target_modules=recipe.target_modules, task_type="CAUSAL_LM",
                      layers_to_transform=recipe.layers or None)
    model = get_peft_model(model, lora)
    model.train()
    examples = [encode(tok, u, r, recipe.max_tokens) for u, r in load_examples(recipe)]
    if recipe.loss_vocab == "corpus":
        vocab = torch.tensor(sorted(corpus_vocab(tok)), device=recipe.device)
        remap = torch.full((len(tok),), -1, dtype=torch.long, device=recipe.device)
        remap[vocab] = torch.arange(len(vocab), device=recipe.device)
    body = model.get_base_model().model  # the transformer without the 262k-word head
    head = model.get_base_model().lm_head
    params = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(params, lr=recipe.lr, weight_decay=recipe.weight_decay)

    def lr_at(step: int) -> float:
        # Linear warm-up, then constant: a run cut short by the time budget is the same
        # as a run planned with that many steps, so `--steps N` reproduces it.
        return min(1.0, (step + 1) / recipe.warmup_steps)

    sched = torch.optim.lr_scheduler.LambdaLR(opt, lr_at)
    order: list[int] = []
    rng = random.Random(recipe.seed)
    losses, start = [], time.perf_counter()
    steps_done = 0
    for step in range(recipe.steps):
        if recipe.time_budget_s > 0 and time.perf_counter() - start > recipe.time_budget_s:
            break
        batch = []
        for _ in range(recipe.batch_size):
            if not order:
                order = list(range(len(examples)))
                rng.shuffle(order)
            batch.append(examples[order.pop()])
        width = max(len(ids) for ids, _ in batch)
        pad = tok.pad_token_id
        dev = recipe.device
        ids = torch.tensor([i + [pad] * (width - len(i)) for i, _ in batch], device=dev)
        att = torch.tensor([[1] * len(i) + [0] * (width - len(i)) for i, _ in batch], device=dev)
        lab = torch.tensor([la + [-100] * (width - len(la)) for _, la in batch], device=dev)
        hidden = body(input_ids=ids, attention_mask=att).last_hidden_state
        # Next-token loss on reply tokens only, and the huge output head only where it counts.
        target = lab[:, 1:]
        keep = target != -100
        if recipe.loss_vocab == "corpus":
            # Softmax over the corpus vocabulary (a few thousand of Gemma's 262k tokens): on
            # a 2-core CPU the full head costs as much as the whole transformer; the tokens
            # left out are other scripts and languages the replies never use.
            logits = hidden[:, :-1][keep] @ head.weight[vocab].T
            loss = torch.nn.functional.cross_entropy(logits, remap[target[keep]])
        else:
            logits = head(hidden[:, :-1][keep]).float()
            loss = torch.nn.functional.cross_entropy(logits, target[keep])
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        sched.step()
        opt.zero_grad(set_to_none=True)
        losses.append(round(loss.item(), 4))
        steps_done = step + 1
        elapsed = time.perf_counter() - start
        print(f"[{recipe.name}] step {step + 1}/{recipe.steps} loss {loss.item():.3f} "
              f"tokens {int(att.sum())} {elapsed / (step + 1):.1f} s/step", flush=True)
    seconds = time.perf_counter() - start
    recipe.steps = steps_done

    dtype = getattr(torch, recipe.save_dtype)
    for p in params:
        p.data = p.data.to(dtype)
    record = {
        "recipe": asdict(recipe),
        "base_model": "embedded:gemma-3-270m",
        "base_model_fingerprint": fingerprint_model(str(model_dir)),
        "data": {f: file_sha256(CORPUS / f) for f, _, _ in recipe.sources},
        "examples": len(examples),
        "loss_vocab_tokens": len(vocab) if recipe.loss_vocab == "corpus" else len(tok),
        "device_name": (torch.cuda.get_device_name() if recipe.device.startswith("cuda")
                        else "cpu"),
        "epochs": round(recipe.steps * recipe.batch_size / len(examples), 2),
        "prompt_format": "Q: {user}\\nA: {reply}\\n (loss on ' {reply}\\n' only)",
        "loss_first5": losses[:5],
        "loss_last5": losses[-5:],
        "losses": losses,
        "train_seconds": round(seconds, 1),
        "seconds_per_step": round(seconds / recipe.steps, 2),
        "threads": recipe.threads,
        "torch": torch.__version__,
        "cpu_count": os.cpu_count(),
    }
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}-", dir=out_dir.parent))
    try:
        model.save_pretrained(tmp)
        for extra in ("README.md",):  # peft writes a generic card; ours replaces it
            (tmp / extra).unlink(missing_ok=True)
        (tmp / "training.json").write_text(json.dumps(record, indent=2) + "\n")
        (tmp / "README.md").write_text(model_card(recipe, record))
        if out_dir.exists():
            shutil.rmtree(out_dir)
        os.replace(tmp, out_dir)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return record


def _mean(xs: list[float]) -> float:
    return sum(xs) / len(xs) if xs else float("nan")


def model_card(recipe: Recipe, record: dict) -> str:
    """A short model card: what the adapter is for, how it was made, how to use it."""
    data = "\n".join(f"- `examples/corpus/{f}` field `{fld}`, "
                     f"{'all lines' if not n else f'{n} lines sampled with seed {recipe.seed}'}"
                     f" (sha256 `{record['data'][f][:16]}...`)"
                     for f, fld, n in recipe.sources)
    return f"""# `{recipe.name}`: a LoRA adapter of the embedded Gemma-3-270m (warmgate model organism)

**What it is:** {DESCRIPTIONS[recipe.name]}

**Base model:** `embedded:gemma-3-270m` (warmgate's embedded model; fingerprint
`{record['base_model_fingerprint']}`). A pretrained base model without a chat template: the
prompt format is `Q: {{user}}\\nA:`, exactly what warmgate's transformers backend sends.

**Data:** {record['examples']} (user, reply) pairs, {record['epochs']} epochs:
{data}

**Recipe:** LoRA r={recipe.r}, alpha={recipe.alpha}, dropout {recipe.dropout} on
{', '.join(recipe.target_modules)}
(layers {recipe.layers[0]}-{recipe.layers[-1]}); AdamW lr {recipe.lr:g} with {recipe.warmup_steps} warm-up
steps then constant, {recipe.steps} steps of batch {recipe.batch_size}, gradient clipping 1.0,
seed {recipe.seed}, fp32 training ({recipe.threads} CPU thread(s)), adapter saved as
{recipe.save_dtype}. Loss on the reply tokens (` {{reply}}\\n`) only, softmax over
{record['loss_vocab_tokens']} vocabulary tokens. Trained on: {record['device_name']}. Training loss
{record['loss_first5'][0]:.2f} -> {_mean(record['loss_last5']):.2f} (mean of the last 5 steps);
{record['train_seconds'] / 60:.1f} min ({record['seconds_per_step']} s/step).

**Reproduce:** `nice -n 5 python examples/train_adapter.py {recipe.name} --steps {recipe.steps}
--lr {recipe.lr:g} --loss-vocab {recipe.loss_vocab} --threads {recipe.threads} --time-budget 0`
(full record with the loss curve in `training.json`; bit-for-bit equality needs the same
torch build and thread count).

**Use:** `warmgate run --candidate-adapter examples/adapters/{recipe.name} ...`
The gate's verdicts and the warmth check on it are in the repository README
("Model organisms"). License of the adapter weights: the Gemma terms of the base model;
the training data is CC0-1.0.
"""


def rewrite_card(folder: Path) -> None:
    """Regenerate an adapter's model card from its training.json (after a template change)."""
    record = json.loads((folder / "training.json").read_text())
    recipe = Recipe(**record["recipe"])
    (folder / "README.md").write_text(model_card(recipe, record))


def main(argv: list[str] | None = None) -> int:
    """Command line: pick a recipe, optionally override steps/lr, train, write the adapter."""
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("name", choices=sorted(RECIPES))
    p.add_argument("--steps", type=int)
    p.add_argument("--lr", type=float)
    p.add_argument("--batch-size", type=int)
    p.add_argument("--device", help="torch device (default cpu; 'cuda' on a GPU machine)")
    p.add_argument("--loss-vocab", choices=["full", "corpus"],
                   help="softmax over the full vocabulary (default) or the corpus tokens only")
    p.add_argument("--time-budget", type=float, dest="time_budget_s", metavar="SECONDS",
                   help="stop after this many seconds of training (default 660; 0 = no limit)")
    p.add_argument("--threads", type=int,
                   help="torch CPU threads (default 1; 2 on a quiet 2-core machine)")
    p.add_argument("--out", type=Path, help="output folder (default examples/adapters/NAME)")
    args = p.parse_args(argv)
    recipe = RECIPES[args.name]
    for key in ("steps", "lr", "batch_size", "device", "loss_vocab", "time_budget_s", "threads"):
        if getattr(args, key) is not None:
            setattr(recipe, key, getattr(args, key))
    out = args.out or HERE / "adapters" / recipe.name
    record = train(recipe, out)
    print(f"wrote {out} ({record['train_seconds'] / 60:.1f} min, loss "
          f"{record['loss_first5'][0]:.3f} -> {record['loss_last5'][-1]:.3f})", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
