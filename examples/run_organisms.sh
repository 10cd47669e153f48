#!/usr/bin/env bash
# The gate and the warmth check on the three model organisms (examples/adapters/*), the
# figures quoted in the README's "Model organisms". About 25 minutes on 2 CPU cores (the base is
# generated once, then read from the generation cache). Reports: reports/organisms/<name>/.
#
#   bash examples/run_organisms.sh                 # all three
#   bash examples/run_organisms.sh sycophantic     # one
set -uo pipefail
cd "$(dirname "$0")/.."
[[ -d .venv ]] && . .venv/bin/activate
OUT="${OUT:-reports/organisms}"
for name in "${@:-sycophantic cold warm}"; do
  for n in $name; do
    echo "== $n"
    warmgate run --candidate-adapter "examples/adapters/$n" --suites disinformation \
      --contexts unmodified,emotion:sad --beliefs original,incorrect --max-new-tokens 24 \
      --report "$OUT/$n"
    echo "gate exit code: $? (0 pass, 1 a cell failed)"
    warmgate warmth "$OUT/$n" --json "$OUT/$n/warmth.json"
  done
done
