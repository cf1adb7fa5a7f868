#!/usr/bin/env bash
# Makes test/fixtures/sample.snapshot (docs/snapshot.md): builds the sharer
# helper (test/fixtures/sharer.c), starts it with CHILDREN children (default
# 6; plus a grandchild), captures all of its processes with
# `rmapbench snapshot`, and stops it. Needs gcc, and root (CAP_SYS_ADMIN) for
# the PFNs: without it the snapshot records that they were hidden.
#
#   scripts/make-sample-snapshot.sh [OUT]
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-test/fixtures/sample.snapshot}
children=${CHILDREN:-6}
mkdir -p build
gcc -O2 -Wall -o build/sharer test/fixtures/sharer.c
dir=$(mktemp -d)
shm=/dev/shm
[ -d "$shm" ] || shm=$dir
file="$shm/rmapbench-sample-$$"
cleanup() {
  exec 3>&- 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$dir" "$file"
}
trap cleanup EXIT
mkfifo "$dir/in"
build/sharer "$file" "$children" <"$dir/in" >"$dir/out" &
exec 3>"$dir/in" # the helper runs until its stdin closes
for _ in $(seq 200); do
  grep -qx ready "$dir/out" && break
  sleep 0.05
done
grep -qx ready "$dir/out" || { echo "the sharer helper did not get ready" >&2; exit 1; }
pids=()
while read -r kind pid _; do
  [ "$kind" = proc ] && pids+=(--pid "$pid")
done <"$dir/out"
node --import tsx src/cli.ts snapshot "${pids[@]}" -o "$out"
