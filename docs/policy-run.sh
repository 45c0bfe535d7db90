#!/usr/bin/env bash
# Runs the policy comparison of docs/policies.md on the local backend: JSORC's
# experiment (testdata's synth modules, memory scaled 1/10, real CPU per call)
# under all_local, all_remote, evaluation and costmodel, with a 4 GB node
# budget scaled the same way. Writes docs/policy-<app>.{txt,json,svg}.
# Usage: docs/policy-run.sh [SECONDS_PER_RUN]   (from the repository root)
set -euo pipefail
secs=${1:-60}
make build >/dev/null
data=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' 2>/dev/null || echo 18799)
./bin/jsorc serve --data "$data" --addr "127.0.0.1:$port" >"$data/serve.log" 2>&1 &
pid=$!
trap 'kill -TERM $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$data"' EXIT
export JSORC_SERVER="127.0.0.1:$port"
for _ in $(seq 50); do ./bin/jsorc actions status >/dev/null 2>&1 && break; sleep 0.2; done
./bin/jsorc actions config all testdata/jsorc_modules.yaml
./bin/jsorc app config testdata/jsorc_apps.yaml
for app in flow_analysis virtual_assistant; do
  ./bin/jsorc loadtest -experiment "$app" -policy all_local,all_remote,evaluation,costmodel \
    -mem 4 -mem_scale 0.1 -experiment_duration "$secs" -clients 2 -eval_phase 3 -perf_phase 60 \
    -plot "docs/policy-$app.svg" -o json >"docs/policy-$app.json"
  python3 - "$app" <<'PY' >"docs/policy-$app.txt"
import json, sys
app = sys.argv[1]
res = json.load(open(f"docs/policy-{app}.json"))[app]
print(f"{'POLICY':<12} {'REQUESTS':>8} {'ERRORS':>6} {'REQ/S':>7} {'MEAN ms':>8} {'P50 ms':>8} {'P99 ms':>8}  FINAL PLACEMENT")
# JSORC keyed the evaluation run with its node memory: evaluation-mem-4096.
keys = {k.split("-mem-")[0]: k for k in res}
for pol in ["all_local", "all_remote", "evaluation", "costmodel"]:
    r = res[keys[pol]]; m = r["walker_level"]["walker_run"][app]
    place = " ".join(f"{k}={v}" for k, v in sorted(r["final_placement"].items()))
    print(f"{pol:<12} {r['requests']:>8} {r['errors']:>6} {m['throughput']:>7.1f} {r['mean_latency_ms']:>8.2f} {m['50th_latency']:>8.2f} {m['99th_latency']:>8.2f}  {place}")
PY
  cat "docs/policy-$app.txt"
done
