#!/usr/bin/env bash
# Start-up benchmark: the Native AOT binary vs the same app on the JIT, exec to first 200 on /health
# (median of BENCH_RUNS runs each, default 15), binary sizes, and warm latency with wrk. Writes BENCHMARKS.md.
#   ./build.sh bench            or   bench/startup.sh
#   BENCH_RUNS=20 bench/startup.sh   BENCH_SKIP_PUBLISH=1 reuses artifacts/bench/{aot,jit}
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
AOT_DIR=artifacts/bench/aot
JIT_DIR=artifacts/bench/jit
log() { printf '==> %s\n' "$*" >&2; }

if [ ! -f node_modules/azurite/dist/src/azurite.js ] && [ -z "${BENCH_STORAGE:-}" ]; then
  log "installing pinned npm packages (npm ci)"
  npm ci --no-audit --no-fund --loglevel=error >/dev/null
fi

if [ -z "${BENCH_SKIP_PUBLISH:-}" ]; then
  # ILC reports trim/AOT warnings from Azure.Data.Tables and the framework (not our code); they must not fail the bench.
  log "publishing Native AOT (linux-x64) to $AOT_DIR"
  dotnet publish src/Functions -c Release -r linux-x64 -p:IlcTreatWarningsAsErrors=false -o "$AOT_DIR" -nologo -v quiet >&2
  log "publishing JIT (framework-dependent) to $JIT_DIR"
  # The same source generators as the AOT build (request delegates, configuration binding), so only the code generation differs.
  dotnet publish src/Functions -c Release -p:PublishAot=false -p:EnableRequestDelegateGenerator=true \
    -p:EnableConfigurationBindingGenerator=true -o "$JIT_DIR" -nologo -v quiet >&2
fi

AOT_BIN=$AOT_DIR/FunctionsMfa.Functions
JIT_BIN=$JIT_DIR/FunctionsMfa.Functions
[ -x "$AOT_BIN" ] && [ -x "$JIT_BIN" ] || { log "missing $AOT_BIN or $JIT_BIN"; exit 1; }

size() { numfmt --to=iec-i --suffix=B --format='%.1f' "$1"; }
aot_bin_size=$(stat -c %s "$AOT_BIN")
aot_dir_size=$(du -sb "$AOT_DIR" | cut -f1)
jit_dir_size=$(du -sb "$JIT_DIR" | cut -f1)
jit_dll_size=$(stat -c %s "$JIT_DIR/FunctionsMfa.Functions.dll")

load=$(cut -d' ' -f1-3 /proc/loadavg)
log "measuring (${BENCH_RUNS:-15} runs each)"
results=$(node bench/startup.mjs "$ROOT/$AOT_BIN" "$ROOT/$JIT_BIN")

cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')
{
  echo "# Benchmarks"
  echo
  echo "Measured $(date -u '+%Y-%m-%d %H:%M UTC') on $(nproc) CPUs ($cpu), $(uname -sr), .NET SDK $(dotnet --version), Node $(node --version)."
  echo "Load average when the measurement started: $load. The machine may be shared with other work: compare the two"
  echo "builds within one run (their runs alternate), not across runs."
  echo
  echo "Command: \`./build.sh bench\` (= \`bench/startup.sh\`: publishes both builds, then \`node bench/startup.mjs <aot> <jit>\`)."
  echo "Each run execs the binary with fresh development keys in the environment, \`AzureWebJobsStorage\` pointing at an"
  echo "in-memory Azurite started from \`node_modules\`, \`Mfa__Queues__Enabled=false\` and \`--urls http://127.0.0.1:<free port>\`,"
  echo "polls \`GET /health\` with a raw HTTP/1.1 request every millisecond, stops the clock at the first \`200\`, and kills the"
  echo "process. One discarded run of each build warms the page cache; then AOT and JIT runs alternate."
  echo
  echo "$results"
  echo
  echo "POST /v1/sign_ins (a user without factors) makes 3 storage round trips (user partition query, session insert, sign-in"
  echo "insert) to an Azurite that shares the same CPUs, so its rows mostly measure Azurite; GET /health is the handler alone."
  echo
  echo "### Size"
  echo
  echo "| build | what | size |"
  echo "|---|---|---:|"
  echo "| Native AOT | the executable (\`$AOT_BIN\`) | $(size "$aot_bin_size") |"
  echo "| Native AOT | the publish folder (most of it the \`.dbg\` debug symbols, not deployed) | $(size "$aot_dir_size") |"
  echo "| JIT | \`FunctionsMfa.Functions.dll\` | $(size "$jit_dll_size") |"
  echo "| JIT | the publish folder (needs the shared .NET runtime besides) | $(size "$jit_dir_size") |"
} > BENCHMARKS.md
cat BENCHMARKS.md
