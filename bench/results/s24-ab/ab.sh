#!/bin/bash
# A/B of workerd CPU per request on `me`, variants applied temporarily to /work/main.
cd /work/main
apply() {
  case "$1" in
    base) ;;
    nosecure) sed -i 's/^  app.use(secureHeaders(/  if (0) app.use(secureHeaders(/' shared/app.ts ;;
    notimeout) sed -i 's/    signal: () => AbortSignal.timeout(REDIS_TIMEOUT_MS),//' shared/clients.ts
               sed -i 's/  return fetch(input, { ...init, signal: AbortSignal.timeout(DATABASE_TIMEOUT_MS) });/  return fetch(input, init);/' shared/clients.ts ;;
    nolog) sed -i 's/^  app.use(requestLog());/  if (0) app.use(requestLog());/' shared/app.ts ;;
  esac
}
for round in 3 4 5; do
  for v in base nosecure notimeout; do
    apply $v
    git diff --stat | tail -1
    timeout 300 npm run bench -- --only=load --endpoints=me --label=ab-$v-$round > /tmp/ab-$v-$round.log 2>&1
    git checkout -q shared/app.ts shared/clients.ts
    python3 - "$v" "$round" <<'PY'
import json,sys
v,r=sys.argv[1:]
d=json.load(open(f'/work/main/bench/results/ab-{v}-{r}.json'))
for run in d['endpoints'][0]['runs']:
    b=run['backline']['cpuMsPerRequest']['workerd']; f=run['floor']['cpuMsPerRequest']['workerd']
    print(f"{v} r{r} c={run['connections']}: workerd {b} / floor {f} = {b/f:.3f}  p50 {run['ratio']['p50']}", flush=True)
PY
  done
done
