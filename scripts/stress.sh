#!/usr/bin/env bash
# Runs the built test suite N times in a row (default 10) from a private copy of the tree,
# so that rebuilding the checkout meanwhile does not disturb it; each run writes the name of
# every test as it starts to a trace file, so a run that hangs says where. Concurrency bugs
# show up as rare failures or hangs: run this after touching the protocol.
#   npm test && scripts/stress.sh 20
set -u
runs=${1:-10}
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
chmod 755 "$work"
out=${STRESS_OUT:-$work/results}
mkdir -p "$out"
cp -r "$root/package.json" "$root/README.md" "$root/CHANGELOG.md" "$root/LICENSE" "$root/eslint.config.js" "$root"/tsconfig*.json "$root/docs" "$root/dist" "$root/build" "$root/node_modules" "$root/scripts" "$root/lib" "$root/spec" "$root/perf" "$root/smoke" "$work/"
cd "$work" || exit 1
failed=0
for k in $(seq 1 "$runs"); do
  PARAFOR_SPEC_TRACE="$out/trace$k.txt" timeout 300 node --experimental-vm-modules --no-warnings \
    node_modules/jest/bin/jest.js --runInBand > "$out/run$k.txt" 2>&1
  rc=$?
  echo "run $k: exit $rc, $(grep -E '^Tests:' "$out/run$k.txt" || echo 'no summary')"
  if [ "$rc" = 124 ]; then echo "  hung; last test started: $(tail -1 "$out/trace$k.txt")"; fi
  [ "$rc" = 0 ] || failed=$((failed + 1))
done
echo "$failed of $runs runs failed; logs in $out"
[ "$failed" = 0 ]
