#!/usr/bin/env bash
# Builds the libFuzzer harnesses in Fuzz/ and runs each for N seconds (default 60).
#   scripts/fuzz.sh [seconds] [target ...]     e.g. scripts/fuzz.sh 600 FuzzContainer
# Seeds come from the test fixtures; the growing corpus and any crash input stay under
# Fuzz/.build/fuzz/<target>/ (crashes: crash-*, non-zero exit). FUZZ_CONFIG=debug|release
# (default release); FUZZ_SEED fixes libFuzzer's seed (CI: 1, so a run can be repeated).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
seconds=${1:-60}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(FuzzContainer FuzzStream FuzzProfile FuzzTransform FuzzJSON FuzzSpec)
config=${FUZZ_CONFIG:-release}
# Let libFuzzer, not Swift's backtracer, handle traps, so that it saves the crashing input.
export SWIFT_BACKTRACE=enable=no

(cd Fuzz && swift build -c "$config" -Xswiftc -sanitize=fuzzer -Xswiftc -parse-as-library)
bin=$(cd Fuzz && swift build -c "$config" --show-bin-path)
fixtures=Tests/LogLabContainerTests/Fixtures
status=0
for t in "${targets[@]}"; do
    work=Fuzz/.build/fuzz/$t
    mkdir -p "$work/corpus" "$work/seeds" "$work/artifacts"
    case $t in
        FuzzContainer|FuzzStream) cp $fixtures/*.llc "$work/seeds/" ;;
        FuzzProfile) cp $fixtures/*.llp "$work/seeds/" ;;
        FuzzJSON) head -c 4000 $fixtures/v1-input.jsonl > "$work/seeds/lines.jsonl"
                  cp $fixtures/fuzz/FuzzJSON-* "$work/seeds/"
                  printf '{"a":[1,{"b":"\\u00e9"}],"c":-0.5e3}\n[]\nnot json\n' > "$work/seeds/odd.jsonl" ;;
        FuzzSpec) cp Experiments/*.yaml "$work/seeds/" ;;
        FuzzTransform) LOGLAB_FUZZ_SEEDS="$root/$work/seeds" "$bin/$t" -runs=0 "$work/seeds" >/dev/null 2>&1 || true ;;
    esac
    echo "== $t: ${seconds}s"
    if ! "$bin/$t" -max_total_time="$seconds" -seed="${FUZZ_SEED:-0}" -timeout=25 -rss_limit_mb=3072 -print_final_stats=1 \
            -artifact_prefix="$work/artifacts/" \
            "$work/corpus" "$work/seeds" > "$work/log.txt" 2>&1; then
        echo "!! $t found a failure; input and log under $work/"
        grep -E 'ERROR|Fatal error|panic|==[0-9]+==' "$work/log.txt" | head -5 || true
        status=1
    fi
    grep -E '^stat::number_of_executed_units|^stat::peak_rss_mb|^stat::new_units_added' "$work/log.txt" | tr '\n' ' ' || true
    echo
done
exit $status
