#!/usr/bin/env bash
# make fuzz: every target of fuzz/ under libFuzzer (cargo-fuzz, on the nightly toolchain) for
# FUZZ_SECONDS each (default 120), then one line per target: executions, speed, new inputs and
# crashes. New inputs go to target/fuzz-corpus/<target> (the committed seeds in fuzz/corpus/ are
# only read); a crash is written to fuzz/artifacts/<target>/ and ends the run: copy it into
# fuzz/corpus/<target>/ as crash-<what> so that `make test` keeps it as a regression test.
# Without a nightly toolchain it says so and stops: the corpus still runs in `make test-core`.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
seconds=${FUZZ_SECONDS:-120}
targets=${FUZZ_TARGETS:-xml_responses authorization checkpoint devserver_request}

if ! rustup toolchain list 2>/dev/null | grep -q '^nightly'; then
  echo "make fuzz: skipped: no nightly toolchain (rustup toolchain list); libFuzzer needs one"
  exit 0
fi
export PATH="$root/.tools/bin:$PATH"
if ! cargo fuzz --version >/dev/null 2>&1; then
  echo "make fuzz: cargo install cargo-fuzz --root .tools (about 2 minutes)"
  cargo install cargo-fuzz --locked --root "$root/.tools" >/dev/null
fi

summary=()
for t in $targets; do
  mkdir -p "target/fuzz-corpus/$t"
  log="target/fuzz-$t.log"
  echo "make fuzz: $t for ${seconds}s"
  # No sanitizer: the targets are safe Rust, and libFuzzer runs several times faster without
  # ASan. Debug assertions stay on (-a) so that overflow checks fire.
  if ! (cd fuzz && cargo +nightly fuzz run -s none -a --features libfuzzer "$t" \
      "../target/fuzz-corpus/$t" "corpus/$t" -- -max_total_time="$seconds" \
      -print_final_stats=1) >"$log" 2>&1; then
    tail -40 "$log"
    if compgen -G "fuzz/artifacts/$t/*" >/dev/null; then
      echo "make fuzz: $t FOUND A CRASH: see fuzz/artifacts/$t/ and $log"
    else
      echo "make fuzz: $t did not build or run: see $log"
    fi
    exit 1
  fi
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  speed=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  new=$(sed -n 's/^stat::new_units_added: *//p' "$log" | tail -1)
  summary+=("$(printf '%-18s %12s runs  %8s/s  %5s new inputs  0 crashes' "$t" "$runs" "$speed" "$new")")
done
echo "make fuzz: ${seconds}s per target"
printf '%s\n' "${summary[@]}"
