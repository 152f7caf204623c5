#!/bin/bash
# A/B of two commits, each in its own worktree (the change adds and removes files, so one tree
# patched back and forth would not do): rounds interleaved, the load runs only.
#   EP="health,me" ROUNDS=3 bench/results/s28-ab/ab.sh base=/work/wt-base new=/work/wt-new
# Writes ab-<variant>-<round>.{json,log} here (or in AB_DIR, an absolute path) and prints one
# line per endpoint and concurrency.
HERE=${AB_DIR:-$(cd "$(dirname "$0")" && pwd)}
EP=${EP:-me}
ROUNDS=${ROUNDS:-3}
for round in $(seq 1 "$ROUNDS"); do
  for pair in "$@"; do
    v=${pair%%=*}
    tree=${pair#*=}
    (cd "$tree" && timeout 600 npm run bench -- --only=load "--endpoints=$EP" "--label=ab-$v-$round" > "$HERE/ab-$v-$round.log" 2>&1)
    mv "$tree/bench/results/ab-$v-$round.json" "$HERE/" 2>/dev/null
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
