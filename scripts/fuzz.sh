#!/usr/bin/env bash
# Builds the libFuzzer targets of tests/fuzz/ with clang in build-fuzz/, fuzzes each for a while
# (one job at a time), keeps crashes under build-fuzz/crashes/<target>/ and merges the new coverage
# into tests/fuzz/corpus/<target>/ (replayed by the ordinary test suite). Runs unattended.
#   scripts/fuzz.sh [--seconds N] [--runs N] [--minimize] [--no-build] [target...]
#     --seconds N   fuzzing time per target (default 60; 0 builds and, with --minimize,
#                   minimizes without fuzzing)
#     --runs N      stop each target after N executions instead (whichever comes first)
#     --minimize    afterwards, shrink each saved corpus to the named seeds plus the fewest
#                   generated inputs (40-hex-digit names) that keep its coverage
#     --no-build    use the fuzz programs already in build-fuzz/ as they are
#     target        analyzer_fuzz positions_fuzz query_fuzz record_fuzz search_params_fuzz
#                   (default: all)
# Needs clang-14 and libclang-rt-14-dev, Debian 12's (installed with apt-get when missing and
# allowed); CC and CXX choose another clang.
# Exit status: 0 when no target crashed, 1 when one did, 2 on a usage or build error.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

all_targets=(analyzer_fuzz positions_fuzz query_fuzz record_fuzz search_params_fuzz)
seconds=60
runs=-1
minimize=0
build_tree=1
targets=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --seconds|--runs)
      if [[ $# -lt 2 || ! "$2" =~ ^[0-9]+$ ]]; then
        echo "fuzz.sh: $1 needs a whole number" >&2
        exit 2
      fi
      if [[ "$1" == --seconds ]]; then seconds=$2; else runs=$2; fi
      shift 2 ;;
    --minimize) minimize=1; shift ;;
    --no-build) build_tree=0; shift ;;
    -h|--help) sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "fuzz.sh: unknown option $1" >&2; exit 2 ;;
    *)
      if [[ ! " ${all_targets[*]} " =~ " $1 " ]]; then
        echo "fuzz.sh: unknown target $1 (targets: ${all_targets[*]})" >&2
        exit 2
      fi
      targets+=("$1"); shift ;;
  esac
done
[[ ${#targets[@]} -gt 0 ]] || targets=("${all_targets[@]}")

# Inputs longer than this are not generated: enough for a long record or query, small enough to
# keep the executions per second high.
max_len_of() {
  case "$1" in
    # Every word is stemmed and checked several times, so the analyzer's inputs are kept short:
    # 512 bytes still hold several Bengali sentences (longer texts come from the seeds) and run
    # twice as many executions as 1024 with the same coverage.
    analyzer_fuzz) echo 512 ;;
    record_fuzz) echo 8192 ;;
    query_fuzz) echo 3072 ;;     # the query limit is 2048 bytes: both sides of it
    *) echo 4096 ;;
  esac
}

# --- Toolchain -----------------------------------------------------------------------------
# Debian 12's clang 14 by default; CC/CXX choose another clang.
CC=${CC:-clang-14}
CXX=${CXX:-clang++-14}
clang_version=${CXX##*-}
have_libfuzzer() {
  command -v "$CXX" >/dev/null 2>&1 &&
    [[ -f "$("$CXX" -print-resource-dir)/lib/linux/libclang_rt.fuzzer-x86_64.a" ]]
}
if ! have_libfuzzer; then
  packages=("clang-$clang_version" "libclang-rt-$clang_version-dev")
  sudo_cmd=()
  [[ $(id -u) -eq 0 ]] || sudo_cmd=(sudo -n)
  echo "fuzz.sh: installing ${packages[*]}" >&2
  if ! DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y --no-install-recommends \
      "${packages[@]}" </dev/null >&2; then
    echo "fuzz.sh: cannot install ${packages[*]}; install them and run again" >&2
    exit 2
  fi
  have_libfuzzer || { echo "fuzz.sh: $CXX has no libFuzzer runtime" >&2; exit 2; }
fi

# --- Build ---------------------------------------------------------------------------------
# Every library is instrumented for coverage and sanitized, not just the fuzz entry points;
# asserts stay on (no NDEBUG), since they are invariants too.
build=$root/build-fuzz
sanitize="-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer"
mkdir -p "$build"
printf '*\n' >"$build/.gitignore"  # a build tree, never part of a commit
if [[ $build_tree -eq 1 ]]; then
  CC=$CC CXX=$CXX cmake -S "$root" -B "$build" \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g" \
    -DCMAKE_CXX_FLAGS="$sanitize" \
    -DSONDHAN_FUZZ=ON -DSONDHAN_BUILD_TESTS=ON -DSONDHAN_BUILD_BENCHMARKS=OFF >"$build/configure.log" 2>&1 ||
    { tail -n 40 "$build/configure.log" >&2; exit 2; }
  cmake --build "$build" -j2 --target "${targets[@]}" >"$build/build.log" 2>&1 ||
    { tail -n 40 "$build/build.log" >&2; exit 2; }
fi
for target in "${targets[@]}"; do
  [[ -x "$build/bin/fuzz/$target" ]] || { echo "fuzz.sh: $build/bin/fuzz/$target is not built" >&2; exit 2; }
done

# --- Fuzz ----------------------------------------------------------------------------------
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:allocator_may_return_null=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

count_files() { find "$1" -maxdepth 1 -type f 2>/dev/null | wc -l; }
# The last "name: value" of libFuzzer's final statistics, or of its status lines.
stat_of() { grep -o "^stat::$2: *[0-9]*" "$1" | tail -n 1 | grep -o '[0-9]*$' || true; }
status_field() { grep -E '^#[0-9]+' "$1" | tail -n 1 | grep -o "$2: *[0-9]*" | grep -o '[0-9]*$' || true; }

stamp=$(date -u +%Y%m%dT%H%M%SZ)
totals=$build/fuzz-totals.tsv
[[ -f "$totals" ]] || printf 'utc\ttarget\texecutions\tseconds\texec_per_s\tcov\tft\tnew_files\tcrashes\n' >"$totals"
summary=()
failed=0
for target in "${targets[@]}"; do
  [[ $seconds -gt 0 ]] || break  # libFuzzer reads -max_total_time=0 as "no limit"
  binary=$build/bin/fuzz/$target
  saved=$root/tests/fuzz/corpus/$target
  work=$build/corpus/$target
  crashes=$build/crashes/$target
  logs=$build/logs
  dict=$root/tests/fuzz/$target.dict
  max_len=$(max_len_of "$target")
  mkdir -p "$saved" "$work" "$crashes" "$logs"
  log=$logs/$target-$stamp.log
  crashes_before=$(count_files "$crashes")
  saved_before=$(count_files "$saved")

  # New inputs go to the first directory (the working corpus); the saved corpus seeds it.
  # -detect_leaks=0: the analyzer's per-thread term cache keeps what it learns, so nearly every
  # input allocates more than it frees and libFuzzer would rerun it under a full leak scan (ten
  # times slower). LeakSanitizer still checks the whole run when the fuzzer exits.
  args=(-max_total_time="$seconds" -runs="$runs" -max_len="$max_len" -timeout=10 -rss_limit_mb=4096
        -detect_leaks=0 -print_final_stats=1 -artifact_prefix="$crashes/")
  [[ -f "$dict" ]] && args+=(-dict="$dict")
  echo "== $target: fuzzing for ${seconds}s (log: ${log#"$root"/})"
  status=0
  "$binary" "${args[@]}" "$work" "$saved" </dev/null >"$log" 2>&1 || status=$?

  # Merge what the run found into the saved corpus: only inputs with new coverage are added.
  "$binary" -merge=1 -max_len="$max_len" "$saved" "$work" </dev/null >"$log.merge" 2>&1 ||
    { echo "fuzz.sh: merging into $saved failed (see $log.merge)" >&2; failed=1; }

  execs=$(stat_of "$log" number_of_executed_units)
  [[ -n "$execs" ]] || execs=$(grep -E '^#[0-9]+' "$log" | tail -n 1 | sed -E 's/^#([0-9]+).*/\1/')
  rate=$(stat_of "$log" average_exec_per_sec)
  cov=$(status_field "$log" cov)
  ft=$(status_field "$log" ft)
  new_files=$(( $(count_files "$saved") - saved_before ))
  new_crashes=$(( $(count_files "$crashes") - crashes_before ))
  elapsed=$(grep -o 'Done [0-9]* runs in [0-9]* second' "$log" | grep -o 'in [0-9]*' | grep -o '[0-9]*' || true)
  if [[ $status -ne 0 || $new_crashes -gt 0 ]]; then
    failed=1
    echo "   crashed (exit $status); reproducers in ${crashes#"$root"/}/, stack in ${log#"$root"/}"
  fi
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$stamp" "$target" "${execs:-0}" "${elapsed:-$seconds}" \
    "${rate:-0}" "${cov:-?}" "${ft:-?}" "$new_files" "$new_crashes" >>"$totals"
  summary+=("$(printf '%-20s %12s %9s %7s %7s %9s %8s' "$target" "${execs:-0}" "${rate:-0}" \
    "${cov:-?}" "${ft:-?}" "+$new_files" "$new_crashes")")
done

# --- Minimize ------------------------------------------------------------------------------
# Named seeds (and reproducers) always stay; generated inputs are kept only where they reach code
# the seeds and the inputs kept before them do not.
if [[ $minimize -eq 1 ]]; then
  for target in "${targets[@]}"; do
    saved=$root/tests/fuzz/corpus/$target
    tmp=$build/minimize/$target
    rm -rf "$tmp" && mkdir -p "$tmp/seeds" "$tmp/generated" "$tmp/out"
    find "$saved" -maxdepth 1 -type f -regextype posix-extended -regex '.*/[0-9a-f]{40}' \
      -exec cp {} "$tmp/generated/" \;
    find "$saved" -maxdepth 1 -type f -regextype posix-extended ! -regex '.*/[0-9a-f]{40}' \
      -exec cp {} "$tmp/seeds/" \;
    cp -r "$tmp/seeds/." "$tmp/out/"
    # -use_counters=0: an input is kept for an edge it reaches first, not for reaching a known
    # edge more often (that would keep several times as many).
    if "$build/bin/fuzz/$target" -merge=1 -use_counters=0 -max_len="$(max_len_of "$target")" \
        "$tmp/out" "$tmp/generated" </dev/null >"$tmp/merge.log" 2>&1; then
      before=$(count_files "$saved")
      find "$saved" -maxdepth 1 -type f -regextype posix-extended -regex '.*/[0-9a-f]{40}' -delete
      find "$tmp/out" -maxdepth 1 -type f -regextype posix-extended -regex '.*/[0-9a-f]{40}' \
        -exec cp {} "$saved/" \;
      echo "== $target: corpus minimized from $before to $(count_files "$saved") files"
    else
      echo "fuzz.sh: minimizing $target failed (see $tmp/merge.log)" >&2
      failed=1
    fi
  done
fi

echo
printf '%-20s %12s %9s %7s %7s %9s %8s\n' target executions exec/s cov ft "new files" crashes
printf '%s\n' "${summary[@]}"
echo "(every run is appended to ${totals#"$root"/})"
exit $failed
