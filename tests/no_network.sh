#!/usr/bin/env bash
# No network, proven: the app's end-to-end suite (import, chat, search, export, settings,
# restart) and `enclave-cli run` on a reference model run inside an empty network namespace
# and under strace. Any socket other than AF_UNIX, any connect/sendto to an internet address,
# or any read of the resolver's files fails the test.
# usage: no_network.sh APP_E2E_TEST ENCLAVE_CLI MODEL.gguf
set -euo pipefail
app_test=$1 cli=$2 model=$3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

if ! unshare -n true 2>/dev/null; then
  echo "SKIP: this machine cannot make a network namespace (unshare -n needs root or user namespaces)"
  exit 0
fi
trace() { # name, command...
  local name=$1; shift
  echo "== $name"
  unshare -n strace -f -qq -o "$work/$name.trace" -e trace=network,openat,open "$@" >"$work/$name.out" 2>&1 ||
    { cat "$work/$name.out"; echo "FAIL: $name exited non-zero"; exit 1; }
}
trace app env QT_QPA_PLATFORM=offscreen "$app_test"
if [ -f "$model" ]; then
  trace cli "$cli" run --model "$model" -p "Hello" --max-tokens 8 --seed 1
fi

status=0
for t in "$work"/*.trace; do
  sockets=$(grep -c 'socket(' "$t" || true)
  bad=$(grep -E 'socket\(AF_(INET|INET6|PACKET|NETLINK)|connect\(.*AF_INET|sendto\(.*AF_INET|resolv\.conf' "$t" |
        grep -v 'socket(AF_NETLINK, SOCK_RAW|SOCK_CLOEXEC, NETLINK_KOBJECT_UEVENT' || true)
  echo "$(basename "$t" .trace): $sockets socket() calls traced"
  if [ -n "$bad" ]; then
    echo "FAIL: network use in $(basename "$t" .trace):"; echo "$bad" | head -20; status=1
  fi
done
[ "$status" -eq 0 ] && echo "no network use: only AF_UNIX sockets, no DNS"
exit "$status"
