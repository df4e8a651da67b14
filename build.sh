#!/usr/bin/env bash
# FunctionsMfa's commands. The README's two are `./build.sh run` and `./build.sh test`.
#   run      install Azurite if needed, start it (data under .data/), create local.settings.json, serve the API
#   test     install what the tests need (npm packages, Debian tools), bicep build + lint of infra/ (no warnings),
#            publish when the package is stale, run every test; Azurite is started by the tests
#   publish  the Native AOT binary and the deployable package (artifacts/functionsmfa.zip)
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

cmd_run() {
  ensure_node_tools
  mkdir -p .data/azurite
  if port_open 10002; then
    log "Azurite already listening on 10000-10002; using it"
  else
    log "starting Azurite (data in .data/azurite, log in .data/azurite.log)"
    node node_modules/azurite/dist/src/azurite.js --silent --location .data/azurite --skipApiVersionCheck --loose \
      --blobHost 127.0.0.1 --queueHost 127.0.0.1 --tableHost 127.0.0.1 >.data/azurite.log 2>&1 &
    AZURITE_PID=$!
    trap 'kill $AZURITE_PID 2>/dev/null || true' EXIT INT TERM
    for _ in $(seq 1 100); do port_open 10002 && port_open 10001 && break; sleep 0.1; done
    port_open 10002 || { log "Azurite did not start; see .data/azurite.log"; exit 1; }
  fi

  dotnet build src/Functions -c Debug -v quiet -nologo >/dev/null
  # The built app is run from the repository root, so relative paths (.data/…) resolve here.
  local app=src/Functions/bin/Debug/net10.0/FunctionsMfa.Functions.dll
  dotnet "$app" --init-local-settings local.settings.sample.json local.settings.json
  local url="${ASPNETCORE_URLS:-http://127.0.0.1:7071}"
  local key
  key=$(node -e 'const v=require("./local.settings.json").Values;console.log(process.env.Mfa__SecretKeys__0||v["Mfa__SecretKeys__0"])')
  # The sample app (samples/spa) and its backend (samples/backend: holds the secret key, creates sign-ins), on their
  # own origin, which the API allows by CORS (an extra origin; local.settings.json's stay).
  local sample_port="${SAMPLE_PORT:-5173}"
  local sample_origin="http://127.0.0.1:$sample_port"
  export Mfa__Cors__AllowedOrigins__1="${Mfa__Cors__AllowedOrigins__1:-$sample_origin}"
  MFA_API_URL="$url" MFA_SECRET_KEY="$key" SAMPLE_PORT="$sample_port" node samples/backend/server.mjs >.data/sample.log 2>&1 &
  SAMPLE_PID=$!
  trap 'kill ${AZURITE_PID:-} $SAMPLE_PID 2>/dev/null || true' EXIT INT TERM
  log "serving on $url"
  log "development secret key: $key"
  log "try: curl -s $url/health"
  log "sample app: $sample_origin/ (log in .data/sample.log; SMS codes in .data/sms.jsonl)"
  dotnet "$app" --contentRoot "$ROOT" --urls "$url"
}

# The deployable package: the Native AOT binary named as host.json's defaultExecutablePath, host.json, and the
# function folders the binary writes from its own endpoint table; zipped with the executable bit kept.
cmd_publish() {
  local log_file=artifacts/publish.log
  command -v python3 >/dev/null || { log "python3 is needed to zip the package (apt-get install python3)"; return 1; }
  rm -rf artifacts/publish artifacts/package artifacts/functionsmfa.zip
  mkdir -p artifacts
  log "dotnet publish (Native AOT, linux-x64) into artifacts/publish"
  # ILC's warnings are checked below against tools/aot-known-warnings.txt instead of failing the link outright:
  # the known ones come from Azure.Data.Tables and from ASP.NET Core's reflection JSON fallback, not from our code,
  # whose trim/AOT analysis already fails the compile (TreatWarningsAsErrors).
  set +e
  dotnet publish src/Functions -c Release -r linux-x64 -o artifacts/publish -nologo -p:IlcTreatWarningsAsErrors=false >"$log_file" 2>&1
  local rc=$?
  set -e
  if [ "$rc" -ne 0 ]; then cat "$log_file" >&2; return "$rc"; fi
  local unknown
  unknown=$(grep -E 'warning (IL|CS)[0-9]+' "$log_file" | sed -E 's/ \[[^]]*\]$//' | sort -u |
    grep -vE -f <(grep -vE '^(#|$)' tools/aot-known-warnings.txt) || true)
  if [ -n "$unknown" ]; then
    echo "$unknown" >&2
    log "publish produced new trim/AOT warnings (see $log_file)"
    return 1
  fi

  local exe
  exe=$(python3 -c 'import json;print(json.load(open("host.json"))["customHandler"]["description"]["defaultExecutablePath"])')
  mkdir -p artifacts/package
  cp "artifacts/publish/FunctionsMfa.Functions" "artifacts/package/$exe"
  chmod 755 "artifacts/package/$exe"
  cp host.json artifacts/package/host.json
  "artifacts/package/$exe" --emit-functions artifacts/package >&2
  python3 tools/zip_package.py artifacts/package artifacts/functionsmfa.zip
  log "artifacts/functionsmfa.zip: $(du -h artifacts/functionsmfa.zip | cut -f1) ($exe: $(du -h "artifacts/package/$exe" | cut -f1))"
}

# The package is rebuilt (about 1.5 min of AOT compile on 2 cores) only when something it is made from changed.
package_stale() {
  [ ! -f artifacts/functionsmfa.zip ] && return 0
  [ -n "$(find src host.json Directory.Build.props Directory.Packages.props tools/aot-known-warnings.txt \
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
  set +e
  dotnet test --no-build -c Debug --nologo "$@" 2>&1 | tee "$out"
  local rc=${PIPESTATUS[0]}
  set -e
  local passed failed
  passed=$(grep -oE 'Passed: +[0-9]+' "$out" | awk '{s+=$2} END {print s+0}')
  failed=$(grep -oE 'Failed: +[0-9]+' "$out" | awk '{s+=$2} END {print s+0}')
  echo "tests: ${passed:-0} passed, ${failed:-0} failed"
  return "$rc"
}

case "${1:-}" in
  run) shift; cmd_run "$@" ;;
  test) shift; cmd_test "$@" ;;
  publish) shift; cmd_publish "$@" ;;
  bench) shift; exec bench/bench.sh "$@" ;;
  *) echo "usage: ./build.sh run|test|publish|bench" >&2; exit 2 ;;
esac
