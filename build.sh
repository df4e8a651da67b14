#!/usr/bin/env bash
# FunctionsMfa's commands. The README's two are `./build.sh run` and `./build.sh test`.
#   run      install Azurite if needed, start it (data under .data/), create local.settings.json, serve the API
#   test     install what the tests need (npm packages, Debian tools), run every test; Azurite is started by the tests
#   publish  the Native AOT binary and the deployable package (artifacts/functionsmfa.zip)
#   bench    start-up benchmark: AOT binary vs JIT, exec to first 200 on /health
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
  log "serving on $url"
  log "development secret key: $key"
  log "try: curl -s $url/health"
  dotnet "$app" --contentRoot "$ROOT" --urls "$url"
}

cmd_test() {
  ensure_node_tools
  ensure_test_tools
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
  bench) shift; exec bench/startup.sh "$@" ;;
  *) echo "usage: ./build.sh run|test" >&2; exit 2 ;;
esac
