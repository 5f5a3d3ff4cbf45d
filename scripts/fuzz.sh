#!/usr/bin/env bash
# Fuzzes the Graph wire parsers, the booking connector's readers and the booking emulator's
# request handling (crates/fuzz), on the stable toolchain. Not part of scripts/test.sh: ten
# million inputs per target take a while. Builds in release, runs every target and prints per
# target the inputs, panics, other findings (the emulator's unexpected 5xx), wall time and
# inputs per second. Exits non-zero if anything was found; the first input of each distinct
# finding is written to target/fuzz-crashes/.
#
#   scripts/fuzz.sh                      # 10,000,000 inputs per target, seed 1
#   ITERATIONS=100000 SEED=7 scripts/fuzz.sh
#   scripts/fuzz.sh graph booking        # only these targets
set -uo pipefail
cd "$(dirname "$0")/.."

iterations=${ITERATIONS:-10000000}
seed=${SEED:-1}
if [ $# -gt 0 ]; then
  targets=("$@")
else
  targets=(graph booking booking-emulator)
fi

cargo build --release --locked -p roombridge-fuzz || exit 2
bin=target/release/roombridge-fuzz

summaries=()
status=0
out=$(mktemp)
trap 'rm -f "$out"' EXIT
for target in "${targets[@]}"; do
  echo "==> $target: $iterations inputs, seed $seed"
  "$bin" "$target" --iterations "$iterations" --seed "$seed" --progress 1000000 | tee "$out"
  [ "${PIPESTATUS[0]}" -eq 0 ] || status=1
  summaries+=("$(grep '^target=' "$out")")
done

echo
printf '%-18s %12s %8s %8s %10s %12s\n' target inputs panics errors seconds inputs/s
# Each summary line reads: target=T inputs=N panics=N errors=N seconds=S inputs_per_second=R
printf '%s\n' "${summaries[@]}" | awk '{
  for (i = 1; i <= NF; i++) { split($i, kv, "="); f[kv[1]] = kv[2] }
  printf "%-18s %12s %8s %8s %10s %12s\n", f["target"], f["inputs"], f["panics"], f["errors"], f["seconds"], f["inputs_per_second"]
}'
exit $status
