#!/usr/bin/env bash
# The one seam through which the bench starts the service: `bench/serve.sh <port>` execs it listening on
# 127.0.0.1:<port>; everything else (storage connection, keys, settings) comes from the environment, and readiness is
# polled by GET /health. Nothing else in bench/ knows how the service starts.
#   bench/serve.sh --describe   prints one line saying what is started (the bench quotes it in its output)
#   bench/serve.sh --build      builds what this script runs (Release)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)

# The isolated worker (its Release build output: host.json, worker.config.json, functions.metadata) under the local
# Functions host, which starts the worker process, routes HTTP to it and runs the sms-codes queue trigger.
APP=$ROOT/src/Functions/bin/Release/net10.0
HOST=$ROOT/tools/FunctionsHost/bin/Release/net10.0/FunctionsMfa.LocalHost.dll
DESCRIPTION="isolated worker (src/Functions, Release, JIT) under the local Functions host (tools/FunctionsHost)"

case "${1:-}" in
  --describe) echo "$DESCRIPTION"; exit 0 ;;
  --build)
    dotnet build "$ROOT/src/Functions" -c Release -v quiet -nologo
    exec dotnet build "$ROOT/tools/FunctionsHost" -c Release -v quiet -nologo ;;
  ''|-*) echo "usage: bench/serve.sh <port> | --describe | --build" >&2; exit 2 ;;
esac
PORT=$1
# The working directory is the caller's (the bench runs it in a scratch directory); the app folder has no
# local.settings.json of a developer's `./build.sh run` (that one is linked into the Debug output only).
exec dotnet "$HOST" --script-root "$APP" --port "$PORT"
