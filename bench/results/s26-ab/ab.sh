#!/bin/bash
# A/B of latency and workerd CPU per request, variants applied temporarily to "${AB_TREE:-$PWD}"
# (a spare worktree: it edits and restores files). On a quiet machine:
#   EP="patterns create,refresh" ROUNDS=3 AB_TREE=<tree> bench/results/s26-ab/ab.sh base patch-<name>
# patch-<name> applies bench/results/s26-ab/<name>.patch for the run. BATCH=<label> prefixes the
# run files (batch 2 of session 26 ran without one and overwrote batch 1's ab-base-*.json).
# AB_DIR=<dir> takes the patches from, and writes the runs to, another session's folder.
HERE=$(cd "${AB_DIR:-$(dirname "$0")}" && pwd)
cd "${AB_TREE:-$PWD}"
EP=${EP:-me}
apply() {
  for part in ${1//+/ }; do
  case "$part" in
    base) ;;
    noassets) sed -i 's|^\[assets\]|# no assets|; s|^directory = "public"||; s|^binding = "ASSETS"||; s|^run_worker_first = .*||' wrangler.toml ;;
    patch-*) git apply "$HERE/${part#patch-}.patch" ;;
  esac
  done
}
ROUNDS=${ROUNDS:-3}
for round in $(seq 1 $ROUNDS); do
  for v0 in "$@"; do
    v=${BATCH:+$BATCH-}$v0
    apply $v0
    timeout 400 npm run bench -- --only=load "--endpoints=$EP" --label=ab-$v-$round > "$HERE/ab-$v-$round.log" 2>&1
    git checkout -q shared functions db wrangler.toml bench/floor && git clean -fdq bench/floor
    mv bench/results/ab-$v-$round.json "$HERE/" 2>/dev/null
    python3 - "$HERE" "$v" "$round" <<'PY'
import json,sys
here,v,r=sys.argv[1:]
d=json.load(open(f'{here}/ab-{v}-{r}.json'))
for e in d['endpoints']:
  for run in e['runs']:
    b=run['backline']; f=run['floor']
    bw=b['cpuMsPerRequest']['workerd']; fw=f['cpuMsPerRequest']['workerd']
    bm=sum(b['cpuMsPerRequest'].values()); fm=sum(f['cpuMsPerRequest'].values())
    print(f"{v} r{r} {e['name']} c={run['connections']}: mean {1000*b['connections']/b['reqPerSec']:.2f}/{1000*f['connections']/f['reqPerSec']:.2f} ms = {f['reqPerSec']/b['reqPerSec']:.3f}  workerd {bw}/{fw} = {bw/fw:.3f}  machine {bm:.2f}/{fm:.2f} = {bm/fm:.3f}  p50 x{run['ratio']['p50']} p99 x{run['ratio']['p99']}", flush=True)
PY
  done
done
