#!/usr/bin/env bash
# The smoke test of a built binary, on the machine it is for: serve on a free port, a first mount of a folder, a
# write pushed until the provider has it, status --wait, and the exit codes a CI gate relies on.
# Usage: scripts/release_smoke.sh path/to/relayfile
set -euo pipefail
bin="$1"
work="$(mktemp -d)"
cleanup() { [[ -n "${serve_pid:-}" ]] && kill "$serve_pid" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

"$bin" --version
"$bin" serve --addr 127.0.0.1:0 --data "$work/data" > "$work/banner" 2> "$work/serve.log" &
serve_pid=$!
for _ in $(seq 1 100); do grep -q '^token: ' "$work/banner" 2>/dev/null && break; sleep 0.1; done
url="$(sed -n 's/^listening on //p' "$work/banner")"
token="$(sed -n 's/^token: //p' "$work/banner")"
workspace="$(sed -n 's/^workspace: //p' "$work/banner")"
test -n "$url" && test -n "$token"
export RELAYFILE_TOKEN="$token" HOME="$work/home"
mkdir -p "$work/home" "$work/mnt"

"$bin" mount "$work/mnt" --server "$url" --workspace "$workspace" --once
echo "smoke $(date -u +%FT%TZ)" > "$work/mnt/hello.md"
"$bin" writeback push "$work/mnt/hello.md" --timeout 30s
"$bin" writeback status --dir "$work/mnt" --wait 30s

expect() { # expect CODE command...
  local want="$1"; shift
  set +e; "$@" > /dev/null 2>&1; local got=$?; set -e
  if [[ "$got" != "$want" ]]; then echo "smoke: $* exited $got, expected $want" >&2; exit 1; fi
}
expect 3 "$bin" writeback status --dir "$work/not-a-mount"
expect 2 "$bin" writeback status --no-such-flag
mkdir -p "$work/mnt/.relay/dead-letter"
echo '{"opId":"op_smoke","path":"/a.md","attempts":1,"lastStatus":400,"lastBody":"","ts":"2026-01-01T00:00:00Z"}' \
  > "$work/mnt/.relay/dead-letter/op_smoke.json"
expect 1 "$bin" writeback status --dir "$work/mnt"
echo "smoke: ok"
