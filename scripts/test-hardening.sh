#!/usr/bin/env bash
# The hostile-input checks of scripts/test.sh, runnable on their own:
#   1. the engine and storage suites that read untrusted input, under AddressSanitizer +
#      UndefinedBehaviorSanitizer;
#   2. every fuzz target (libFuzzer): the regression inputs of tests/fuzz/regressions/ replayed,
#      then fuzzing from the seed corpus for FUZZ_SECONDS each.
# Both come from one clang build in build-fuzz/ (-DENCLAVE_FUZZ=ON).
# Environment: FUZZ_SECONDS (default 20 per target; 0 skips fuzzing but still replays),
# HARDENING_JOBS (default nproc). Exits non-zero on any sanitizer report, crash, leak or hang.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
jobs=${HARDENING_JOBS:-$(nproc)}
fuzz_seconds=${FUZZ_SECONDS:-20}
refpack=${ENCLAVE_REFPACK_DIR:-$root/../shared/refpack}

# Suites that parse files or run the model on them. The first pack's conformance and the GUI suites
# stay in the plain build: under ASan they would triple the CI time and add no untrusted input. The
# second pack's conformance runs here too: it is small and reaches every new format and layer kind.
asan_tests=(tst_gguf tst_gguf_corrupt tst_safetensors tst_model_files tst_model_hostile tst_architectures
            tst_model_info tst_memory_estimate tst_moe_routing tst_tokenizer tst_tokenizer_gguf
            tst_tokenizer_parts tst_tokenizer_spm tst_chat_template tst_chat_template_conformance
            tst_quant tst_quant_layout tst_conversation_store tst_database_safety tst_kill_soak
            tst_conformance_pack2 tst_layer_parts tst_harmony)
fuzz_targets=(fuzz_gguf fuzz_safetensors fuzz_tokenizer fuzz_jinja fuzz_chat_messages fuzz_conversation_import)
for extra in tests/engine/tst_jinja_limits.cpp tests/engine/tst_tokenizer_hostile.cpp; do
  [ -f "$extra" ] && asan_tests+=("$(basename "$extra" .cpp)")
done

echo "== hardening: one clang build of the engine, storage, their suites and the fuzz targets (ASan + UBSan)"
CC=clang CXX=clang++ cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DENCLAVE_FUZZ=ON \
  -DENCLAVE_WITH_CUDA=OFF -DENCLAVE_WITH_VULKAN=OFF >/dev/null
cmake --build build-fuzz -j "$jobs" --target "${asan_tests[@]}" "${fuzz_targets[@]}" make_seeds

echo "== hardening 1/2: ${#asan_tests[@]} suites under ASan + UBSan"
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:detect_stack_use_after_return=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
regex="^($(IFS='|'; echo "${asan_tests[*]}"))\$"
(cd build-fuzz && ctest --output-on-failure -j "$jobs" --timeout 900 -R "$regex")

echo "== hardening 2/2: fuzz targets"
corpus=build-fuzz/corpus
rm -rf "$corpus.seeds"
if [ -d "$refpack" ]; then
  build-fuzz/tests/fuzz/make_seeds "$refpack" tests/data "$corpus.seeds"
else
  echo "hardening: no reference pack at $refpack; fuzzing from the regression inputs only"
  mkdir -p "$corpus.seeds"
fi

passed=0
failed=0
for t in "${fuzz_targets[@]}"; do
  regressions=tests/fuzz/regressions/$t
  mkdir -p "$corpus/$t" "$corpus.seeds/$t"
  # 1. every input that ever crashed this target, once each
  if [ -d "$regressions" ] && [ -n "$(ls -A "$regressions")" ]; then
    if build-fuzz/tests/fuzz/$t -rss_limit_mb=4096 -timeout=30 "$regressions"/* >"build-fuzz/$t.replay.log" 2>&1; then
      echo "$t: replayed $(ls "$regressions" | wc -l) regression inputs: ok"
    else
      echo "$t: a regression input fails again:"; tail -40 "build-fuzz/$t.replay.log"; failed=$((failed + 1)); continue
    fi
  fi
  # 2. time-bounded fuzzing; a finding is written to build-fuzz/findings/<target>/
  if [ "$fuzz_seconds" -gt 0 ]; then
    mkdir -p "build-fuzz/findings/$t"
    dirs=("$corpus/$t" "$corpus.seeds/$t")
    [ -d "$regressions" ] && dirs+=("$regressions")
    if build-fuzz/tests/fuzz/$t "${dirs[@]}" \
        -dict="tests/fuzz/$t.dict" -max_total_time="$fuzz_seconds" -max_len=1048576 -timeout=10 \
        -rss_limit_mb=4096 -print_final_stats=1 -artifact_prefix="build-fuzz/findings/$t/" \
        >"build-fuzz/$t.fuzz.log" 2>&1; then
      runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "build-fuzz/$t.fuzz.log" | grep -o '[0-9]*$' || echo 0)
      echo "$t: fuzzed ${fuzz_seconds} s, $runs executions, no finding"
    else
      echo "$t: FINDING (kept in build-fuzz/findings/$t/):"; tail -60 "build-fuzz/$t.fuzz.log"
      failed=$((failed + 1)); continue
    fi
  fi
  passed=$((passed + 1))
done
echo "hardening: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
