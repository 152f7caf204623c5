#!/bin/bash
# A/B of workerd CPU per request, variants applied temporarily to "${AB_TREE:-$PWD}".
# Usage (on a quiet machine, in a spare worktree: it edits and restores files): EP=me,health ROUNDS=3 AB_TREE=<tree> bench/results/s25-ab/ab.sh base noassets
# Session 25: batch1 (me: security headers, fetch timeouts), batch2 (me: old run_worker_first,
# /api/* first, no assets), batch3 (health and me: /api/* first vs no assets). The .json files are
# batch3 for base and noassets (earlier batches wrote the same names); the .txt files hold every run.
# batch4 (health and me): this session's end (after) against its start (before: batch4-before.patch
# reverses /api/* first and the health check's one timer): EP=health,me ab.sh base patch-batch4-before.
cd "${AB_TREE:-$PWD}"
EP=${EP:-me}
apply() {
  for part in ${1//+/ }; do
  case "$part" in
    base) ;;
    nosecure) sed -i 's/^  app.use(secureHeaders(/  if (0) app.use(secureHeaders(/' shared/app.ts ;;
    notimeout) sed -i 's/    signal: () => AbortSignal.timeout(REDIS_TIMEOUT_MS),//' shared/clients.ts
               sed -i 's/  return fetch(input, { ...init, signal: AbortSignal.timeout(DATABASE_TIMEOUT_MS) });/  return fetch(input, init);/' shared/clients.ts ;;
    apifirst) sed -i 's|^run_worker_first = \["/openapi.json"|run_worker_first = ["/api/*", "/openapi.json"|' wrangler.toml ;;
    noassets) sed -i 's|^\[assets\]|# no assets|; s|^directory = "public"||; s|^binding = "ASSETS"||; s|^run_worker_first = .*||' wrangler.toml ;;
    patch-*) git apply bench/results/s25-ab/${part#patch-}.patch ;;
  esac
  done
}
ROUNDS=${ROUNDS:-3}
for round in $(seq 1 $ROUNDS); do
  for v in "$@"; do
    apply $v
    timeout 300 npm run bench -- --only=load --endpoints=$EP --label=ab-$v-$round > bench/results/s25-ab/ab-$v-$round.log 2>&1
    git checkout -q shared functions db wrangler.toml
    python3 - "$v" "$round" <<'PY'
import json,sys
v,r=sys.argv[1:]
d=json.load(open(f'bench/results/ab-{v}-{r}.json'))
for e in d['endpoints']:
  for run in e['runs']:
    b=run['backline']['cpuMsPerRequest']['workerd']; f=run['floor']['cpuMsPerRequest']['workerd']
    print(f"{v} r{r} {e['name']} c={run['connections']}: workerd {b} / floor {f} = {b/f:.3f}  p50 {run['ratio']['p50']}", flush=True)
PY
  done
done
