#!/usr/bin/env bash
# Renders the main screens under Xvfb into docs/screenshots/ (light and dark, 1280x800 and
# 800x600) from a demo data folder. Needs a built ./build/app/enclave and the sqlite3 CLI.
set -euo pipefail
cd "$(dirname "$0")/.."
app=./build/app/enclave
out=docs/screenshots
mkdir -p "$out"
data=$(mktemp -d)
trap 'rm -rf "$data"' EXIT

# First start creates the database; then demo conversations are added to it.
xvfb-run -a -s "-screen 0 1280x800x24" "$app" --data-dir "$data" --screenshot "$data/first.png" >/dev/null 2>&1
now=$(($(date +%s) * 1000))
sqlite3 "$data/enclave.db" <<SQL
INSERT INTO conversations (title, created_at, updated_at, pinned) VALUES
  ('Plan a weekend in Lisbon', $now - 500000, $now - 500000, 1),
  ('Explain MoE expert routing', $now - 300000, $now - 1000, 0),
  ('Fix the flaky CI test', $now - 200000, $now - 200000, 0),
  ('Sourdough starter schedule', $now - 100000, $now - 100000, 0);
INSERT INTO messages (conversation_id, parent_id, role, content, created_at) VALUES
  (2, NULL, 'user', 'How does a Mixture-of-Experts model decide which experts run for a token?', $now - 300000),
  (2, 1, 'assistant', 'A small **router** layer scores every expert for the current token:

1. the top *k* experts (for example 8 of 128) run,
2. their outputs are mixed with the router weights.

Most experts stay idle for any one token, which is why only a fraction of the parameters is read per token.', $now - 299000),
  (2, 2, 'user', 'So the experts that are used most could live on the GPU?', $now - 298000);
UPDATE messages SET stats = '{"generated_tokens": 58, "generation_tokens_per_second": 24.8, "time_to_first_token_ms": 310, "prompt_tokens_per_second": 212, "device": "CPU"}' WHERE role = 'assistant';
SQL

shoot() { # theme width height
  ENCLAVE_THEME=$1 xvfb-run -a -s "-screen 0 $2x$3x24" "$app" --data-dir "$data" -geometry "$2x$3+0+0" \
    --screenshot "$out/main-$1-$2x$3.png" >/dev/null 2>&1
  echo "$out/main-$1-$2x$3.png"
}
for theme in light dark; do
  shoot "$theme" 1280 800
  shoot "$theme" 800 600
done
