#!/usr/bin/env bash
# Renders the main screens under Xvfb into docs/screenshots/ (light and dark, 1280x800 and
# 800x600) from a demo data folder: the chat (Markdown answer with a highlighted code block and
# a reasoning section), the first run, Settings, conversation settings, the model library and
# search results. Needs a built ./build/app/enclave, xvfb-run and the sqlite3 CLI.
set -euo pipefail
cd "$(dirname "$0")/.."
app=./build/app/enclave
out=docs/screenshots
mkdir -p "$out"
data=$(mktemp -d)
empty=$(mktemp -d)
trap 'rm -rf "$data" "$empty"' EXIT

# First start creates the database; then demo conversations are added to it.
xvfb-run -a -s "-screen 0 1280x800x24" "$app" --data-dir "$data" --screenshot "$data/first.png" >/dev/null 2>&1
mkdir -p "$data/models"
# The library: two small real models of the reference pack (their facts are read from the files)
# and one whose file is gone (shown as missing).
refpack=${REFPACK_DIR:-../shared/refpack}
cp "$refpack/models/qwen3_moe/gguf/qwen3_moe-q4_k_m.gguf" "$refpack/models/deepseek_v2/gguf/deepseek_v2-q8_0.gguf" \
  "$data/models/"
now=$(($(date +%s) * 1000))
sqlite3 "$data/enclave.db" <<SQL
INSERT INTO models (path, format, size, fingerprint, metadata, added_at) VALUES
  ('$data/models/Qwen3-30B-A3B-Q4_K_M.gguf', 'gguf', 18556686336, 'demo1',
   '{"architecture": "qwen3moe", "parameters": "30.5B", "experts": 128, "quantization": "Q4_K_M", "context_length": 40960}', $now - 900000),
  ('$data/models/qwen3_moe-q4_k_m.gguf', 'gguf', $(stat -c %s "$data/models/qwen3_moe-q4_k_m.gguf"), 'demo2',
   '{"architecture": "qwen3moe"}', $now - 800000),
  ('$data/models/deepseek_v2-q8_0.gguf', 'gguf', $(stat -c %s "$data/models/deepseek_v2-q8_0.gguf"), 'demo3',
   '{"architecture": "deepseek2"}', $now - 700000);
INSERT INTO conversations (title, created_at, updated_at, pinned) VALUES
  ('Plan a weekend in Lisbon', $now - 500000, $now - 500000, 1),
  ('Explain MoE expert routing', $now - 300000, $now - 300000, 0),
  ('Count words in a file', $now - 200000, $now - 1000, 0),
  ('Sourdough starter schedule', $now - 100000, $now - 100000, 0);
INSERT INTO messages (conversation_id, parent_id, role, content, created_at) VALUES
  (2, NULL, 'user', 'How does a Mixture-of-Experts model decide which experts run for a token?', $now - 300000),
  (2, 1, 'assistant', 'A small **router** layer scores every expert for the current token:

1. the top *k* experts (for example 8 of 128) run,
2. their outputs are mixed with the router weights.

Most experts stay idle for any one token, which is why only a fraction of the parameters is read per token.', $now - 299000),
  (3, NULL, 'user', 'How do I count the words in a text file with Python, line by line so big files fit in memory?', $now - 200000),
  (3, 3, 'assistant', 'Read the file **lazily**: iterating over a file object yields one line at a time, so memory stays flat whatever the size.

\`\`\`python
from collections import Counter

def count_words(path: str) -> Counter:
    """Counts every word of the file, one line at a time."""
    counts = Counter()
    with open(path, encoding="utf-8") as f:
        for line in f:  # never the whole file in memory
            counts.update(line.lower().split())
    return counts

print(count_words("notes.txt").most_common(3))
\`\`\`

- \`str.split()\` without arguments splits on any run of whitespace.
- For punctuation, use \`re.findall(r"\\w+", line)\` instead.', $now - 199000);
UPDATE messages SET reasoning = 'The user wants a streaming approach. Iterating the file object is lazy; Counter.update takes an iterable of words. Mention split() semantics and a regex for punctuation.' WHERE id = 4;
UPDATE messages SET stats = '{"generated_tokens": 58, "generation_tokens_per_second": 24.8, "time_to_first_token_ms": 310, "prompt_tokens_per_second": 212, "device": "CPU", "end_reason": "stop token"}' WHERE id = 2;
UPDATE messages SET stats = '{"generated_tokens": 214, "generation_tokens_per_second": 31.6, "time_to_first_token_ms": 280, "prompt_tokens_per_second": 240, "device": "CPU", "end_reason": "stop token", "reasoning_ms": 4200}',
  settings = '{"model": "Qwen3-30B-A3B-Q4_K_M", "temperature": 0.7, "top_k": 40, "top_p": 0.95, "min_p": 0.05, "repeat_penalty": 1, "seed": 0, "max_tokens": 1024, "context_length": 0}' WHERE id = 4;
UPDATE conversations SET system_prompt = 'Answer concisely, with code where it helps.', settings = '{"temperature": 0.4}' WHERE id = 3;
SQL

shoot() { # name theme width height data-dir [view]
  local file="$out/$1-$2-$3x$4.png"
  ENCLAVE_THEME=$2 xvfb-run -a -s "-screen 0 $3x$4x24" "$app" --data-dir "$5" -geometry "$3x$4+0+0" \
    --screenshot "$file" ${6:+--screenshot-view "$6"} >/dev/null 2>&1
  echo "$file"
}
for theme in light dark; do
  for size in "1280 800" "800 600"; do
    set -- $size
    shoot chat "$theme" "$1" "$2" "$data"
    shoot first-run "$theme" "$1" "$2" "$empty"
    shoot settings "$theme" "$1" "$2" "$data" settings
    shoot conversation-settings "$theme" "$1" "$2" "$data" conversation-settings
    shoot models "$theme" "$1" "$2" "$data" models
    shoot search "$theme" "$1" "$2" "$data" "search:expert"
  done
done
