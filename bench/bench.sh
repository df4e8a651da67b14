#!/usr/bin/env bash
# `./build.sh bench`: the service's latency beside its storage floor, throughput at c=1/16/64 over TOTP sign-ins,
# start-up beside a bare isolated-worker app, and peak memory; writes BENCHMARKS.md and bench/latency.png and prints
# the summary. About 4 minutes on 2 cores; `./build.sh test` ends with its --quick smoke run.
#   bench/bench.sh            the real run (commit BENCHMARKS.md and bench/latency.png afterwards)
#   bench/bench.sh --quick    tiny counts, to check the bench works; writes its report to artifacts/bench/ instead
# Counts: BENCH_RUNS (start-up runs each, 10), BENCH_N (c=1 iterations, 150), BENCH_WARMUP (discarded c=1 iterations, 20), BENCH_BUDGET (sign-ins per level, 300),
# BENCH_LEVEL_SECONDS (20), BENCH_LEVEL_WARMUP (discarded sign-ins per level, 300), BENCH_LEVEL_ROUNDS (interleaved rounds of
# the levels, each reporting its median, 3), BENCH_PHONE_EVERY (5); BENCH_SERVICE_ENV=NAME=value,… adds environment for the service
# only (to compare runtime settings); BENCH_AZURITE_NODE_ARGS="--cpu-prof --cpu-prof-dir=DIR" profiles the Azurites. The
# service is started only through bench/serve.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
log() { printf '==> %s\n' "$*" >&2; }

quick=0
case "${1:-}" in
  --quick) quick=1 ;;
  '') ;;
  *) echo "usage: bench/bench.sh [--quick]" >&2; exit 2 ;;
esac

# Azurite comes from the pinned npm packages (package-lock.json).
if [ ! -f node_modules/azurite/dist/src/azurite.js ]; then
  log "installing pinned npm packages (npm ci)"
  npm ci --no-audit --no-fund --loglevel=error >/dev/null
fi

# gnuplot draws the latency plot (a Debian package, installed once).
if ! command -v gnuplot >/dev/null; then
  log "installing gnuplot"
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends gnuplot-nox >/dev/null
fi

log "building (Release): the service (bench/serve.sh --build), the local host, HelloWorker, the storage floor"
bench/serve.sh --build >&2
for project in tools/FunctionsHost tools/HelloWorker bench/Floor; do
  dotnet build "$project" -c Release -v quiet -nologo >&2
done

if [ "$quick" = 1 ]; then
  mkdir -p artifacts/bench
  BENCH_QUICK=1 exec node bench/run.mjs "$PWD/artifacts/bench/BENCHMARKS.quick.md"
fi
exec node bench/run.mjs "$PWD/BENCHMARKS.md"
