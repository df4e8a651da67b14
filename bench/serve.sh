#!/usr/bin/env bash
# The one seam through which the bench starts the service: `bench/serve.sh <port>` execs it listening on
# 127.0.0.1:<port>; everything else (storage connection, keys, settings) comes from the environment, and readiness is
# polled by GET /health. Nothing else in bench/ knows how the service starts, so moving the app onto the isolated
# worker changes this file only.
#   bench/serve.sh --describe   prints one line saying what is started (the bench quotes it in its output)
#   bench/serve.sh --build      builds what this script runs (Release)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)

# Today: the custom-handler app (ASP.NET Core minimal API) run standalone on the JIT, without the Functions host.
# The queue drainer is off unless the caller asks for it: under the Functions host the host drains the queues.
APP=$ROOT/src/Functions/bin/Release/net10.0/FunctionsMfa.Functions.dll
DESCRIPTION="custom handler (src/Functions, standalone Kestrel on the JIT, no Functions host)"

case "${1:-}" in
  --describe) echo "$DESCRIPTION"; exit 0 ;;
  # A plain Release build is the JIT app; PublishAot only matters to `dotnet publish`, and keeping it on keeps the
  # source generators (request delegates, configuration binding) the trim analysis requires.
  --build) exec dotnet build "$ROOT/src/Functions" -c Release -v quiet -nologo ;;
  ''|-*) echo "usage: bench/serve.sh <port> | --describe | --build" >&2; exit 2 ;;
esac
PORT=$1
export Mfa__Queues__Enabled=${Mfa__Queues__Enabled:-false}
# The working directory is the caller's (the bench runs it in a scratch directory), so no local.settings.json of a
# developer's `./build.sh run` is read.
exec dotnet "$APP" --urls "http://127.0.0.1:$PORT"
