#!/usr/bin/env bash
# FunctionsMfa's commands. The README's two are `./build.sh run` and `./build.sh test`.
#   run      start Azurite (data under .data/; none if AzureWebJobsStorage is set), create local.settings.json, serve
#            the API through the local Functions host on 127.0.0.1:7071 (--port N, --cors ORIGINS), and the sample app
#   test     install what the tests need (npm packages, Debian tools), bicep build + lint of infra/ (no warnings),
#            publish when the package is stale, run every test (Azurite is started by the tests), then a smoke run of
#            the benchmark (bench/bench.sh --quick) when no test filter is given
#   publish  the deployable package (artifacts/functionsmfa.zip), as func azure functionapp publish lays it out
#   bench    latency beside the storage floor, throughput at c=1/16/64, start-up, memory (bench/bench.sh; writes BENCHMARKS.md)
set -euo pipefail
cd "$(dirname "$0")"
ROOT=$PWD

log() { printf '==> %s\n' "$*" >&2; }

# npm packages pinned by package-lock.json; reinstalled only when the lock file changes.
ensure_node_tools() {
  local stamp=node_modules/.installed-lock
  if [ ! -f "$stamp" ] || ! cmp -s package-lock.json "$stamp"; then
    log "installing pinned npm packages (npm ci)"
    npm ci --no-audit --no-fund --loglevel=error >/dev/null
    cp package-lock.json "$stamp"
  fi
}

# Debian tools the tests use as independent checks: oathtool (TOTP), zbarimg (QR), rsvg-convert (SVG to PNG), Chromium.
ensure_test_tools() {
  local missing=()
  command -v oathtool >/dev/null || missing+=(oathtool)
  command -v zbarimg >/dev/null || missing+=(zbar-tools)
  command -v rsvg-convert >/dev/null || missing+=(librsvg2-bin)
  command -v chromium >/dev/null || missing+=(chromium)
  command -v gnuplot >/dev/null || missing+=(gnuplot-nox) # the bench smoke run's plot
  [ ${#missing[@]} -eq 0 ] && return 0
  log "installing Debian packages: ${missing[*]}"
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# The Bicep CLI from its NuGet package (tools/Bicep/Bicep.proj), restored once into the NuGet cache; offline afterwards.
BICEP_VERSION=0.49.2
bicep_path() {
  local packages="${NUGET_PACKAGES:-$HOME/.nuget/packages}"
  echo "$packages/azure.bicep.commandline.linux-x64/$BICEP_VERSION/tools/bicep"
}
ensure_bicep() {
  local bicep
  bicep=$(bicep_path)
  if [ ! -f "$bicep" ]; then
    log "restoring the Bicep CLI $BICEP_VERSION (tools/Bicep/Bicep.proj)"
    dotnet restore tools/Bicep/Bicep.proj -v quiet -nologo >/dev/null
  fi
  chmod +x "$bicep"
}

# bicep build + bicep lint of infra/; any warning or error fails (the CLI exits 0 on warnings, so read its output).
check_infra() {
  ensure_bicep
  local bicep out
  bicep=$(bicep_path)
  mkdir -p artifacts/infra
  log "bicep build + lint infra/main.bicep"
  out=$("$bicep" build infra/main.bicep --outfile artifacts/infra/main.json 2>&1 && "$bicep" lint infra/main.bicep 2>&1 &&
    "$bicep" build-params infra/main.bicepparam --outfile artifacts/infra/main.parameters.json 2>&1) || { echo "$out" >&2; return 1; }
  if grep -qE '(Warning|Error) ' <<<"$out"; then
    echo "$out" >&2
    log "bicep reported warnings; fix them"
    return 1
  fi
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# Stops what `run` started. Azurite reports its services closed on SIGTERM but its process can linger: it gets 3 s.
stop_children() {
  local pids
  pids=$(echo ${AZURITE_PID:-} ${SAMPLE_PID:-})
  [ -z "$pids" ] && return 0
  kill $pids 2>/dev/null || true
  for _ in $(seq 1 30); do kill -0 $pids 2>/dev/null || return 0; sleep 0.1; done
  kill -9 $pids 2>/dev/null || true
}

# Azurite from node_modules, data under .data/azurite; none when AzureWebJobsStorage is set in the environment.
start_azurite() {
  if [ -n "${AzureWebJobsStorage:-}" ]; then
    log "AzureWebJobsStorage is set in the environment: using it, starting no Azurite"
    return 0
  fi
  mkdir -p .data/azurite
  if port_open 10002; then
    log "Azurite already listening on 10000-10002; using it"
    return 0
  fi
  log "starting Azurite (data in .data/azurite, log in .data/azurite.log)"
  node node_modules/azurite/dist/src/azurite.js --silent --disableTelemetry --location .data/azurite --skipApiVersionCheck --loose \
    --blobHost 127.0.0.1 --queueHost 127.0.0.1 --tableHost 127.0.0.1 >.data/azurite.log 2>&1 &
  AZURITE_PID=$!
  for _ in $(seq 1 100); do port_open 10002 && port_open 10001 && break; sleep 0.1; done
  port_open 10002 || { log "Azurite did not start; see .data/azurite.log"; exit 1; }
}

# The app under the local Functions host (tools/FunctionsHost), as `func start` would serve it:
#   ./build.sh run [--port N] [--cors ORIGINS]
cmd_run() {
  local port=7071 cors=""
  while [ $# -gt 0 ]; do
    case "$1" in
      --port|-p) port=$2; shift 2 ;;
      --cors) cors=$2; shift 2 ;;
      *) echo "usage: ./build.sh run [--port N] [--cors ORIGINS]" >&2; exit 2 ;;
    esac
  done
  ensure_node_tools
  start_azurite
  trap stop_children EXIT INT TERM

  log "building the app and the local Functions host"
  dotnet build src/Functions -c Debug -v quiet -nologo >/dev/null
  dotnet build tools/FunctionsHost -c Debug -v quiet -nologo >/dev/null
  local app=src/Functions/bin/Debug/net10.0
  # local.settings.json (fresh development keys on first use) lives at the root, as Core Tools keeps it beside the
  # project; the host reads it from the app folder, so it is linked there.
  dotnet "$app/FunctionsMfa.Functions.dll" --init-local-settings local.settings.sample.json local.settings.json
  ln -sf "$ROOT/local.settings.json" "$app/local.settings.json"
  local url="http://127.0.0.1:$port"
  local key
  key=$(node -e 'const v=require("./local.settings.json").Values;console.log(process.env.Mfa__SecretKeys__0||v["Mfa__SecretKeys__0"])')
  # The sample app (samples/spa) and its backend (samples/backend: holds the secret key, creates sign-ins), on their
  # own origin, which the host's CORS allows (added to --cors or Host.CORS).
  local sample_port="${SAMPLE_PORT:-5173}"
  local sample_origin="http://127.0.0.1:$sample_port"
  if [ -z "$cors" ]; then
    cors=$(node -e 'console.log((require("./local.settings.json").Host||{}).CORS||"")')
  fi
  case ",$cors," in *",$sample_origin,"*) ;; *) cors="${cors:+$cors,}$sample_origin" ;; esac
  # The host starts the worker in the app folder, where the File provider's relative path would land: it is made
  # absolute against the repository root (as an environment variable, which wins over local.settings.json).
  export Mfa__Sms__FilePath
  Mfa__Sms__FilePath=$(node -e 'const p=require("path");const v=process.env.Mfa__Sms__FilePath||require("./local.settings.json").Values["Mfa__Sms__FilePath"]||".data/sms.jsonl";console.log(p.resolve(process.argv[1],v))' "$ROOT")
  MFA_API_URL="$url" MFA_SECRET_KEY="$key" SAMPLE_PORT="$sample_port" node samples/backend/server.mjs >.data/sample.log 2>&1 &
  SAMPLE_PID=$!
  log "serving on $url (CORS: $cors)"
  log "development secret key: $key"
  log "try: curl -s $url/health"
  log "sample app: $sample_origin/ (log in .data/sample.log; SMS codes in .data/sms.jsonl)"
  dotnet tools/FunctionsHost/bin/Debug/net10.0/FunctionsMfa.LocalHost.dll --script-root "$app" --port "$port" --cors "$cors"
}

# The deployable package, laid out as `func azure functionapp publish` uploads it: the worker's publish folder
# (functions.metadata, worker.config.json, .azurefunctions/, the assemblies) and host.json, zipped.
cmd_publish() {
  local log_file=artifacts/publish.log
  command -v python3 >/dev/null || { log "python3 is needed to zip the package (apt-get install python3)"; return 1; }
  rm -rf artifacts/publish artifacts/functionsmfa.zip
  mkdir -p artifacts
  log "dotnet publish (Release, linux-x64, framework-dependent) into artifacts/publish"
  dotnet publish src/Functions -c Release -r linux-x64 --self-contained false -o artifacts/publish -nologo >"$log_file" 2>&1 ||
    { cat "$log_file" >&2; return 1; }
  python3 tools/zip_package.py artifacts/publish artifacts/functionsmfa.zip
  log "artifacts/functionsmfa.zip: $(du -h artifacts/functionsmfa.zip | cut -f1) ($(find artifacts/publish -type f | wc -l) files)"
}

# The package is rebuilt only when something it is made from changed.
package_stale() {
  [ ! -f artifacts/functionsmfa.zip ] && return 0
  [ -n "$(find src host.json Directory.Build.props Directory.Packages.props \
    \( -name bin -o -name obj \) -prune -o -type f -newer artifacts/functionsmfa.zip -print -quit)" ]
}

cmd_test() {
  ensure_node_tools
  ensure_test_tools
  log "type-checking clients/js and samples/spa (tsc --noEmit)"
  node_modules/.bin/tsc --noEmit -p clients/js
  check_infra
  if package_stale; then cmd_publish; else log "artifacts/functionsmfa.zip is up to date"; fi
  log "building"
  dotnet build -c Debug -v quiet -nologo -warnaserror
  log "running tests"
  local out=.data/test-output.txt
  mkdir -p .data
  rm -f .data/test-host.log
  set +e
  dotnet test --no-build -c Debug --nologo "$@" 2>&1 | tee "$out"
  local rc=${PIPESTATUS[0]}
  set -e
  # The embedded host's console is not shown by the test runner; its own account of an invocation that failed (an
  # empty 500 from the host) is in .data/test-host.log (tests/FunctionsMfa.Tests/Infrastructure/HostLogFile.cs).
  if [ "$rc" -ne 0 ] && [ -f .data/test-host.log ]; then
    echo "the host's invocation failures during the run (.data/test-host.log):"
    grep -E 'HttpInvoker' .data/test-host.log | tail -20 || true
  fi
  local passed failed
  passed=$(grep -oE 'Passed: +[0-9]+' "$out" | awk '{s+=$2} END {print s+0}')
  failed=$(grep -oE 'Failed: +[0-9]+' "$out" | awk '{s+=$2} END {print s+0}')
  echo "tests: ${passed:-0} passed, ${failed:-0} failed"
  # The whole suite (no filter given): the benchmark must keep working too. A tiny run, its numbers not checked (speed
  # is shown by ./build.sh bench, never asserted); it fails on any answer the bench does not expect.
  if [ "$#" -eq 0 ] && [ "$rc" -eq 0 ]; then
    log "bench smoke run (bench/bench.sh --quick, about a minute)"
    if bench/bench.sh --quick > .data/bench-quick.txt 2>&1; then
      echo "bench smoke: ok (artifacts/bench/BENCHMARKS.quick.md)"
    else
      tail -40 .data/bench-quick.txt
      echo "bench smoke: failed (.data/bench-quick.txt)"
      rc=1
    fi
  fi
  return "$rc"
}

case "${1:-}" in
  run) shift; cmd_run "$@" ;;
  test) shift; cmd_test "$@" ;;
  publish) shift; cmd_publish "$@" ;;
  bench) shift; exec bench/bench.sh "$@" ;;
  *) echo "usage: ./build.sh run|test|publish|bench" >&2; exit 2 ;;
esac
