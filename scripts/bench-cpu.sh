#!/usr/bin/env bash
# CPU speed of Enclave on synthetic models of real shapes, in one table: prompt processing, and
# generation after the prompt and from an empty context, each next to the memory-bandwidth limit,
# for exact and fast precision; with llama.cpp's llama-bench on the same files when it is given.
#
#   scripts/bench-cpu.sh [--threads 2] [--prompt 512] [--gen 64] [--runs 3]
#                        [--presets "olmoe-1b-7b qwen3-30b-a3b"] [--quants "Q4_K_M Q6_K Q8_0"]
#                        [--models DIR] [--llama DIR-with-llama-bench]
#
# Runs alternate between the engines and the table shows medians. A model whose file does not fit
# in the available memory is skipped (it would measure the disk). Prints; asserts nothing.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cli="$root/build/engine/enclave-cli"
threads=2 prompt=512 gen=64 runs=3
presets="olmoe-1b-7b qwen3-30b-a3b"
quants="Q4_K_M Q6_K Q8_0"
models="$root/build/bench-models"
llama=""

while [ $# -gt 0 ]; do
    case "$1" in
    --threads) threads=$2; shift 2 ;;
    --prompt) prompt=$2; shift 2 ;;
    --gen) gen=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    --presets) presets=$2; shift 2 ;;
    --quants) quants=$2; shift 2 ;;
    --models) models=$2; shift 2 ;;
    --llama) llama=$2; shift 2 ;;
    -h|--help) sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "bench-cpu.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
    esac
done

[ -x "$cli" ] || { echo "bench-cpu.sh: build first ($cli is missing)" >&2; exit 1; }
if [ -n "$llama" ] && [ ! -x "$llama/llama-bench" ]; then
    echo "bench-cpu.sh: no llama-bench in $llama" >&2
    exit 1
fi
mkdir -p "$models"

median() { sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) print "-"; else if (NR % 2) print v[(NR + 1) / 2]; else printf "%.2f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
available_kib() { awk '/^MemAvailable:/ { print $2 }' /proc/meminfo; }

# One enclave-cli bench run: "prompt genAfter genEmpty limit" in tok/s.
enclave_run() {
    "$cli" bench --model "$1" --prompt "$prompt" --gen "$gen" --threads "$threads" --precision "$2" 2>/dev/null | awk '
        /^prompt:/ { for (i = 1; i <= NF; ++i) if ($i == "tok/s") p = $(i - 1) }
        /^generation:.*after the/ { for (i = 1; i <= NF; ++i) { if ($i == "tok/s;" && !a) a = $(i - 1); if ($i == "limit" && !l) l = $(i + 1) } }
        /^generation:.*empty context/ { for (i = 1; i <= NF; ++i) if ($i == "tok/s;") e = $(i - 1) }
        END { print p, a, e, l }'
}

# One llama-bench run: "prompt genAfter genEmpty" in tok/s.
llama_run() {
    local p a e
    p=$("$llama/llama-bench" -m "$1" -t "$threads" -p "$prompt" -n 0 -r 1 -o csv 2>/dev/null | tail -1 | awk -F'","' '{ printf "%.2f\n", $(NF - 1) }')
    a=$("$llama/llama-bench" -m "$1" -t "$threads" -p 0 -n "$gen" -d "$prompt" -r 1 -o csv 2>/dev/null | tail -1 | awk -F'","' '{ printf "%.2f\n", $(NF - 1) }')
    e=$("$llama/llama-bench" -m "$1" -t "$threads" -p 0 -n "$gen" -r 1 -o csv 2>/dev/null | tail -1 | awk -F'","' '{ printf "%.2f\n", $(NF - 1) }')
    echo "$p $a $e"
}

echo "CPU speed, $threads threads, $prompt-token prompt, $gen generated tokens, medians of $runs alternating runs ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'))"
echo "limit: generation speed if every weight byte of a token were read once at the measured memory bandwidth"
row_format="%-14s %-7s %-14s %10s %14s %14s %10s %12s\n"
# shellcheck disable=SC2059
printf "$row_format" "model" "quant" "engine" "prompt t/s" "gen t/s after" "gen t/s empty" "limit t/s" "after/limit"

# Prints one model's rows (exact, fast, llama.cpp and the ratios) from the samples.
print_rows() {
    local preset=$1 quant=$2 limit engine p a e name ratio
    limit=$(tr ' ' '\n' <<<"${samples[limit]}" | grep . | median)
    declare -A medians=()
    local engines="exact fast"
    [ -n "$llama" ] && engines="$engines llama"
    for engine in $engines; do
        p=$(tr ' ' '\n' <<<"${samples[$engine.p]}" | grep . | median)
        a=$(tr ' ' '\n' <<<"${samples[$engine.a]}" | grep . | median)
        e=$(tr ' ' '\n' <<<"${samples[$engine.e]}" | grep . | median)
        medians[$engine.p]=$p; medians[$engine.a]=$a
        name="enclave $engine"; [ "$engine" = llama ] && name="llama.cpp"
        ratio=$(awk -v a="$a" -v l="$limit" 'BEGIN { if (l > 0 && a > 0) printf "%.0f%%", 100 * a / l; else print "-" }')
        # shellcheck disable=SC2059
        printf "$row_format" "$preset" "$quant" "$name" "$p" "$a" "$e" "$limit" "$ratio"
    done
    if [ -n "$llama" ]; then
        awk -v ep="${medians[exact.p]}" -v ea="${medians[exact.a]}" -v fp="${medians[fast.p]}" -v fa="${medians[fast.a]}" \
            -v lp="${medians[llama.p]}" -v la="${medians[llama.a]}" 'BEGIN {
            if (lp > 0 && la > 0)
                printf "%-14s %-7s %-14s %9.2fx %13.2fx   (exact)  %9.2fx %13.2fx   (fast)\n", "", "", "vs llama.cpp", ep / lp, ea / la, fp / lp, fa / la }'
    fi
}

for preset in $presets; do
    for quant in $quants; do
        file="$models/$preset-$quant.gguf"
        made=""
        if [ ! -f "$file" ]; then
            if ! "$cli" synth --preset "$preset" --quant "$quant" --out "$file" >/dev/null; then
                echo "skipped $preset $quant: the synthetic model could not be written" >&2
                continue
            fi
            made=1
        fi
        size_kib=$(( $(stat -L -c %s "$file") / 1024 ))
        if [ "$size_kib" -gt $(( $(available_kib) * 8 / 10 )) ]; then
            echo "skipped $preset $quant: $((size_kib / 1048576)) GiB does not fit in the available memory" >&2
            [ -n "$made" ] && rm -f "$file" # it would only take disk space
            continue
        fi
        cat "$file" >/dev/null # into the page cache: every engine reads it from memory
        declare -A samples=()
        for run in $(seq "$runs"); do
            for precision in exact fast; do
                read -r p a e l <<<"$(enclave_run "$file" "$precision")"
                samples[$precision.p]+="$p "; samples[$precision.a]+="$a "; samples[$precision.e]+="$e "
                samples[limit]+="$l "
            done
            if [ -n "$llama" ]; then
                read -r p a e <<<"$(llama_run "$file")"
                samples[llama.p]+="$p "; samples[llama.a]+="$a "; samples[llama.e]+="$e "
            fi
            echo "  $preset $quant: run $run of $runs done" >&2
        done
        print_rows "$preset" "$quant"
        unset samples
    done
done
