#!/usr/bin/env bash
# Ratio and speed against test volume through the commands production runs, up to 10 M
# records (about 9 GB), where the experiment runner (which holds a test set in memory three
# times over) stops at 3 M: `Experiments/scale-volume.yaml` is the in-memory companion.
#
#   bash scripts/scale-volume-cli.sh [RECORDS…]     (default: 10000 100000 1000000 10000000)
#
# Every window is the one the experiment uses: the first N records of a day generated at the
# real rate (2,600 records/s daily mean on the KST curve, from 10:00 KST), streamed to a file.
# The profiles are trained on the previous day's 100,000-record slice of the same world:
#   fixed    `profile train --no-search` (transforms all, zstd:6, block:1024), the framing the
#            experiment's cells measure;
#   section  the same profile, `compress --shared-section`;
#   default  `profile train` with no options (the self-tuning search picks codec and framing).
# For each window and each profile: `loglab compress -T1` file to file, `loglab restore -T1`
# file to file and `cmp` against the input (every restore is checked). Times are wall and CPU
# (user + sys) seconds and peak RSS from /usr/bin/time, page cache warm (the input is read
# once first); windows up to 1 M records take the median of RUNS runs (default 3), larger
# ones one run. References in the same run: `zstd -6 -T1` (the codec level of the fixed
# profile) at every size, `zstd -19 -T1` up to ZSTD19_MAX records (default 100 k: at 1 M it
# takes about 15 minutes a run here). Prints a Markdown table. Needs a release build; scratch
# space is BENCH_DIR (default: a folder beside the checkout's build), about 2.1× the largest window.
set -euo pipefail
cd "$(dirname "$0")/.."
LOGLAB=${LOGLAB:-.build/release/loglab}
[ -x "$LOGLAB" ] || { echo "build first: swift build -c release" >&2; exit 1; }
command -v zstd >/dev/null || { echo "zstd not found" >&2; exit 1; }
SIZES=("$@"); [ ${#SIZES[@]} -gt 0 ] || SIZES=(10000 100000 1000000 10000000)
RUNS=${RUNS:-3}
ZSTD19_MAX=${ZSTD19_MAX:-100000}
DIR=${BENCH_DIR:-$(mktemp -d "${PWD}/.scale-volume.XXXXXX")}
mkdir -p "$DIR"
trap 'rm -rf "$DIR"' EXIT
SLICE=(--seed 1 --slice-rate 2600 --slice-curve --slice-hour 10)

"$LOGLAB" dataset generate sdk-log --records 100000 --start 2021-12-26 "${SLICE[@]}" -o "$DIR/train.jsonl" -q
"$LOGLAB" profile train --train "$DIR/train.jsonl" --no-search -o "$DIR/fixed.llp" -q
"$LOGLAB" profile train --train "$DIR/train.jsonl" -o "$DIR/default.llp" 2>&1 | grep '^wrote' | sed 's/^wrote [^:]*: /default profile: /'
echo "profiles (bytes): fixed $(stat -c %s "$DIR/fixed.llp"), default $(stat -c %s "$DIR/default.llp")"
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'); $("$LOGLAB" --version); $(zstd --version)"
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"

# timed OUT RUNS CMD…: runs CMD (removing OUT first) RUNS times; sets T_WALL, T_CPU (median
# seconds) and T_RSS (largest peak RSS, MB).
timed() {
    local out=$1 runs=$2; shift 2
    local walls=() cpus=() rss=0
    for _ in $(seq "$runs"); do
        rm -f "$out"
        /usr/bin/time -o "$DIR/usage" -f "%e %U %S %M" "$@" >/dev/null 2>"$DIR/err" \
            || { cat "$DIR/err" >&2; echo "failed: $*" >&2; exit 1; }
        read -r e u s m < <(tail -1 "$DIR/usage")
        walls+=("$e"); cpus+=("$(awk -v u="$u" -v s="$s" 'BEGIN { print u + s }')")
        [ "$m" -gt "$rss" ] && rss=$m
    done
    T_WALL=$(printf '%s\n' "${walls[@]}" | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }')
    T_CPU=$(printf '%s\n' "${cpus[@]}" | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }')
    T_RSS=$((rss / 1024))
}
mbps() { awk -v b="$1" -v t="$2" 'BEGIN { printf "%.0f", (t > 0 ? b / t / 1e6 : 0) }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }

echo
echo "| records | input bytes | tool | stored bytes | ratio | compress MB/s (wall / CPU) | restore MB/s (wall / CPU) | peak RSS MB (compress / restore) | runs |"
echo "| ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: |"
for n in "${SIZES[@]}"; do
    in=$DIR/in.jsonl
    "$LOGLAB" dataset generate sdk-log --records "$n" --start 2021-12-27 "${SLICE[@]}" -o "$in" -q
    bytes=$(stat -c %s "$in")
    cat "$in" > /dev/null
    runs=$RUNS; [ "$n" -gt 1000000 ] && runs=1
    row() { echo "| $n | $bytes | $1 | $2 | $(ratio "$bytes" "$2") | $3 | $4 | $5 | $runs |"; }

    for level in 6 19; do
        [ "$level" = 19 ] && [ "$n" -gt "$ZSTD19_MAX" ] && continue
        timed "$DIR/z.zst" "$runs" zstd "-$level" -T1 -q -f "$in" -o "$DIR/z.zst"
        cw=$T_WALL cc=$T_CPU cr=$T_RSS
        timed "$DIR/z.out" "$runs" zstd -d -q -f "$DIR/z.zst" -o "$DIR/z.out"
        cmp -s "$DIR/z.out" "$in" || { echo "zstd -$level did not restore" >&2; exit 1; }
        row "zstd -$level" "$(stat -c %s "$DIR/z.zst")" "$(mbps "$bytes" "$cw") / $(mbps "$bytes" "$cc")" \
            "$(mbps "$bytes" "$T_WALL") / $(mbps "$bytes" "$T_CPU")" "$cr / $T_RSS"
        rm -f "$DIR/z.zst" "$DIR/z.out"
    done

    for variant in fixed section default; do
        profile=$DIR/$variant.llp extra=()
        [ "$variant" = section ] && { profile=$DIR/fixed.llp; extra=(--shared-section); }
        timed "$DIR/c.llc" "$runs" "$LOGLAB" compress --profile "$profile" --threads 1 "${extra[@]}" -i "$in" -o "$DIR/c.llc"
        cw=$T_WALL cc=$T_CPU cr=$T_RSS
        timed "$DIR/back" "$runs" "$LOGLAB" restore --profile "$profile" --threads 1 -i "$DIR/c.llc" -o "$DIR/back"
        cmp -s "$DIR/back" "$in" || { echo "loglab ($variant) did not restore $n records byte for byte" >&2; exit 1; }
        row "loglab ($variant)" "$(stat -c %s "$DIR/c.llc")" "$(mbps "$bytes" "$cw") / $(mbps "$bytes" "$cc")" \
            "$(mbps "$bytes" "$T_WALL") / $(mbps "$bytes" "$T_CPU")" "$cr / $T_RSS"
        rm -f "$DIR/c.llc" "$DIR/back"
    done
    rm -f "$in"
done
echo
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
