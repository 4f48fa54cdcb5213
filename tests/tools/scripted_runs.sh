#!/usr/bin/env bash
# Scripted runs for a before/after check of a refactor: the suites against the scripted oracle
# model (a known mistake on every seventh case), on both channels; a repeat run beside a baseline;
# a replay of the Qwen baseline; and `python -m ctft_eval compare` (terminal, markdown, HTML).
#
#   tests/tools/scripted_runs.sh OUT_DIR [SOURCE_DIR]
#
# SOURCE_DIR (default: this checkout) is the tree whose ctft_eval runs: for the "before" side,
# unpack the old commit (git archive OLD | tar -x -C /tmp/old) and pass /tmp/old. Then compare:
#   python tests/tools/record_diff.py BEFORE/scripted.json AFTER/scripted.json    (and repeat, replay)
#   diff <(tests/tools/scripted_runs.sh --normalise BEFORE/scripted.txt) <(... AFTER/scripted.txt)
set -u
if [ "${1:-}" = "--normalise" ]; then  # timings, paths and output folders out of a terminal log
  sed -E 's/[0-9]+\.[0-9]+ ?s\b/N s/g; s/\([0-9]+ s(, about [0-9]+ (s|min) left)?\)/(T)/; s#(/[^ ():]+)?/suites/#SUITES/#g; s#/[^ ]+/(scripted|repeat|replay|compare)\.(json|html)#OUT/\1.\2#g' "$2"
  exit 0
fi
OUT=$(realpath -m "$1"); SRC=$(realpath "${2:-$(dirname "$0")/../..}"); PORT=${PORT:-11577}
mkdir -p "$OUT"; cd "$SRC"
export PYTHONPATH="$SRC${PYTHONPATH:+:$PYTHONPATH}"
mistakes=$(python - <<'PY'
import sys
from pathlib import Path
sys.path.insert(0, "tests")
from doubles.oracle import MISTAKES, load_cases
cases = load_cases(sorted(Path("suites").glob("*.yaml")))
print(" ".join(f"--mistake {c.id}={MISTAKES[i % len(MISTAKES)]}" for i, c in enumerate(cases) if i % 7 == 3))
PY
)
# shellcheck disable=SC2086
python tests/doubles/serve.py --kind ollama --port "$PORT" suites/*.yaml $mistakes > "$OUT/serve.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null' EXIT
sleep 3
host="--ollama-host=http://127.0.0.1:$PORT"
pytest suites -p no:cacheprovider --backend=ollama:m "$host" --ctft-channel=both \
  --ctft-record="$OUT/scripted.json" -q -rN > "$OUT/scripted.txt" 2>&1; echo "exit $?" >> "$OUT/scripted.txt"
pytest suites -p no:cacheprovider --backend=ollama:m "$host" --ctft-repeat=2 -k "read or grep" \
  --baseline=baselines/qwen2.5-coder-0.5b.json --ctft-record="$OUT/repeat.json" -q -rN > "$OUT/repeat.txt" 2>&1
echo "exit $?" >> "$OUT/repeat.txt"
pytest suites -p no:cacheprovider --backend=replay:baselines/qwen2.5-coder-0.5b.json --ctft-channel=both \
  --ctft-record="$OUT/replay.json" -q -rN > "$OUT/replay.txt" 2>&1; echo "exit $?" >> "$OUT/replay.txt"
python -m ctft_eval compare baselines/smollm2-135m.json baselines/qwen2.5-coder-0.5b.json \
  > "$OUT/compare.txt" 2>&1; echo "exit $?" >> "$OUT/compare.txt"
python -m ctft_eval compare baselines/smollm2-135m.json baselines/qwen2.5-coder-0.5b.json --format markdown \
  --html "$OUT/compare.html" > "$OUT/compare_md.txt" 2>&1; echo "exit $?" >> "$OUT/compare_md.txt"
echo "wrote $OUT"
