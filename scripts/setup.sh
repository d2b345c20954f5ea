#!/usr/bin/env bash
# Provisions everything `make test`, `make demo` and `make bench` need, and nothing that is
# already there: a Rust toolchain that can build wasm32-unknown-unknown, wasm-bindgen-cli at the
# version pinned in Cargo.toml, wasm-pack, the three browser engines with their WebDriver servers
# (Chromium + ChromeDriver, Firefox ESR + geckodriver, WebKitGTK's MiniBrowser + WebKitWebDriver
# under Xvfb), and the npm packages from package-lock.json. Installs come only from Debian's
# packages, crates.io and npm.
#
# It writes target/setup.env, which the Makefile sources: the toolchain to use (RUSTUP_TOOLCHAIN)
# and PATH additions. Run it as often as you like; when everything is present it takes ~1 s.
#
# Facts behind the wasm32 std steps: docs/toolchain.md (copied from the project's research).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
mkdir -p target
start=$(date +%s%N)
log() { printf 'setup: %s\n' "$*" >&2; }
have() { command -v "$1" >/dev/null 2>&1; }

# One setup at a time on a machine: two runs rebuilding the shared wasm32 std (or installing the
# same tool) at once would delete each other's files.
if command -v flock >/dev/null 2>&1; then
  exec 9>"${TMPDIR:-/tmp}/oss-resumable-setup.lock"
  flock 9
fi

export PATH="$HOME/.cargo/bin:$PATH"
# Judge the machine's own default toolchain, not one a sourced target/setup.env selected.
unset RUSTUP_TOOLCHAIN
SUDO=""
if [ "$(id -u)" != 0 ] && have sudo; then SUDO="sudo"; fi

apt_updated=0
apt_install() {
  if ! have apt-get; then
    log "missing: $* — install them with your system's package manager"
    exit 1
  fi
  if [ "$apt_updated" = 0 ]; then
    log "apt-get update"
    $SUDO apt-get update -qq >/dev/null
    apt_updated=1
  fi
  log "apt-get install $*"
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "$@" >/dev/null
}

# True when the given rustc can compile a std-using crate for wasm32 (a stale std shows as E0514).
wasm_std_works() {
  local rustc=$1 probe
  probe=$(mktemp -d)
  printf 'pub fn f(v: Vec<u8>) -> String { format!("{v:?}") }\n' >"$probe/probe.rs"
  if "$rustc" --edition 2021 --crate-type rlib --target wasm32-unknown-unknown \
    --out-dir "$probe" "$probe/probe.rs" >/dev/null 2>&1; then
    rm -rf "$probe"
    return 0
  fi
  rm -rf "$probe"
  return 1
}

# --- 1. A Rust toolchain with the wasm32 std -------------------------------------------------
toolchain=""
if have rustc && wasm_std_works rustc; then
  # rustup target add wasm32-unknown-unknown (or an equivalent) already provided it.
  toolchain=""
else
  # Debian's rustc-web can target wasm32; its std for wasm32 is built once from rust-web-src.
  need=()
  for p in rustc-web cargo-web rust-web-src lld-22 rust-web-clippy rustfmt-web; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || need+=("$p")
  done
  [ ${#need[@]} -eq 0 ] || apt_install "${need[@]}"
  if ! wasm_std_works /usr/bin/rustc; then
    log "building the wasm32 std from /usr/lib/rustlib/src/rust (once, about a minute)"
    scratch="$root/target/wasm-std-build"
    rm -rf "$scratch"
    mkdir -p "$scratch/src"
    cat >"$scratch/Cargo.toml" <<'TOML'
[package]
name = "wasm_std_scratch"
version = "0.0.0"
edition = "2021"
[lib]
path = "src/lib.rs"
[workspace]
TOML
    echo 'pub fn f() -> String { String::from("x") }' >"$scratch/src/lib.rs"
    # -Cembed-bitcode=yes: without it `lto = true` release builds fail ("Can't find section .llvmbc").
    # `test` is needed for `cargo test --target wasm32-unknown-unknown`.
    (cd "$scratch" && RUSTC_BOOTSTRAP=1 RUSTC=/usr/bin/rustc RUSTDOC=/usr/bin/rustdoc \
      RUSTFLAGS=-Cembed-bitcode=yes CARGO_TARGET_DIR="$scratch/target" \
      /usr/bin/cargo test --no-run --release --target wasm32-unknown-unknown \
      -Zbuild-std=std,panic_abort,panic_unwind,test,proc_macro -q)
    libdir=$(/usr/bin/rustc --print target-libdir --target wasm32-unknown-unknown)
    $SUDO mkdir -p "$libdir"
    # Two libstd-* in the sysroot give E0464: clear the old ones first.
    $SUDO find "$libdir" -maxdepth 1 \( -name 'lib*.rlib' -o -name 'lib*.rmeta' \) -delete
    find "$scratch/target/wasm32-unknown-unknown/release/deps" -maxdepth 1 \
      \( -name 'lib*.rlib' -o -name 'lib*.rmeta' \) ! -name 'libwasm_std_scratch-*' \
      -exec $SUDO cp {} "$libdir/" \;
    rm -rf "$scratch"
    wasm_std_works /usr/bin/rustc || { log "the wasm32 std does not work after building it"; exit 1; }
  fi
  if have rustup; then
    # Selectable as RUSTUP_TOOLCHAIN=debian, with its own rustdoc, clippy and rustfmt.
    rustup toolchain list | grep -q '^debian' || rustup toolchain link debian /usr >/dev/null
    toolchain=debian
  else
    export PATH="/usr/bin:$PATH"
  fi
fi
if [ -n "$toolchain" ]; then export RUSTUP_TOOLCHAIN=$toolchain; fi

# --- 2. wasm-bindgen-cli at the pinned version, and wasm-pack ---------------------------------
bindgen_version=$(sed -n 's/^wasm-bindgen = "=\([0-9.]*\)".*/\1/p' Cargo.toml)
[ -n "$bindgen_version" ] || { log "Cargo.toml must pin wasm-bindgen with '='"; exit 1; }
if ! { have wasm-bindgen && wasm-bindgen --version | grep -q " $bindgen_version\$"; }; then
  log "cargo install wasm-bindgen-cli $bindgen_version (about 2 minutes)"
  # No --locked: the CLI's own lock names crate versions a registry mirror may lack.
  cargo install -q wasm-bindgen-cli --version "=$bindgen_version" --force
fi
wasm_pack_version=0.15.1
if ! { have wasm-pack && wasm-pack --version | grep -q " $wasm_pack_version\$"; }; then
  log "cargo install wasm-pack $wasm_pack_version (about 1.5 minutes)"
  cargo install -q wasm-pack --version "=$wasm_pack_version" --force
fi

# --- 3. Three browser engines and their WebDriver servers ----------------------------------------
# Chromium + ChromeDriver, Firefox ESR + geckodriver, WebKitGTK (MiniBrowser) + WebKitWebDriver.
# With apt all three are required and installed; elsewhere whatever is on PATH is used and each
# missing engine is named once, with the reason, and skipped by `make test-browser` and the e2e
# flows (target/setup.env's OSS_BROWSERS lists the engines found).
engines=()
skipped=()
apt_missing() {
  local p missing=()
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
  done
  echo "${missing[@]}"
}
if have apt-get && have dpkg-query; then
  need=$(apt_missing firefox-esr webkit2gtk-driver xvfb xauth)
  # Chromium as before: a Chrome already on the machine only needs its driver.
  if ! have chromium && ! have chromium-browser && ! have google-chrome; then
    need="$need chromium chromium-driver"
  elif ! have chromedriver; then
    need="$need chromium-driver"
  fi
  # shellcheck disable=SC2086
  [ -z "${need// /}" ] || apt_install $need
fi

# geckodriver is not a Debian package: built from crates.io at a pinned version into the
# project's own tools folder (npm's geckodriver downloads a binary from elsewhere).
geckodriver_version=0.37.1
tools="$root/.tools"
geckodriver="$tools/bin/geckodriver"
# The first line of `--version` only: with pipefail, `| head -1` would fail on geckodriver's
# SIGPIPE and the check would never pass.
version_of() { "$1" --version 2>/dev/null | sed -n '1p;1q' || true; }
if have firefox-esr || have firefox; then
  if ! { [ -x "$geckodriver" ] && version_of "$geckodriver" | grep -q " $geckodriver_version\b"; }; then
    if have geckodriver && version_of geckodriver | grep -q " $geckodriver_version\b"; then
      geckodriver=$(command -v geckodriver)
    else
      log "cargo install geckodriver $geckodriver_version --root .tools (about 3 minutes)"
      cargo install -q geckodriver --version "=$geckodriver_version" --root "$tools" --force
    fi
  fi
fi

chromedriver=$(command -v chromedriver || true)
if [ -n "$chromedriver" ]; then engines+=(chromium); else skipped+=("chromium: no chromedriver on PATH"); fi
if { have firefox-esr || have firefox; } && [ -x "$geckodriver" ]; then
  engines+=(firefox)
else
  skipped+=("firefox: needs firefox (or firefox-esr) and geckodriver $geckodriver_version")
fi
webkitdriver=$(command -v WebKitWebDriver || true)
if [ -n "$webkitdriver" ] && have xvfb-run; then
  engines+=(webkit)
else
  skipped+=("webkit: needs WebKitWebDriver (webkit2gtk-driver) and xvfb-run (WebKitGTK's MiniBrowser has no headless mode)")
fi
for s in "${skipped[@]}"; do log "browser engine skipped — $s"; done

# --- 4. npm packages ---------------------------------------------------------------------------
if ! have node || ! have npm; then apt_install nodejs npm; fi
lock_sum=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ ! -f node_modules/.setup-lock-sum ] || [ "$(cat node_modules/.setup-lock-sum)" != "$lock_sum" ]; then
  log "npm ci"
  npm ci --no-audit --no-fund --loglevel=error >/dev/null
  echo "$lock_sum" >node_modules/.setup-lock-sum
fi

# --- 5. What the Makefile needs to know ----------------------------------------------------------
{
  echo "export PATH=\"$HOME/.cargo/bin:$root/node_modules/.bin:\$PATH\""
  if [ -n "$toolchain" ]; then echo "export RUSTUP_TOOLCHAIN=$toolchain"; fi
  # Not CHROMEDRIVER/GECKODRIVER/SAFARIDRIVER themselves: wasm-bindgen-test-runner takes the first
  # of those that is set, so scripts/test-browsers.sh sets exactly one per run.
  echo "export OSS_CHROMEDRIVER=\"$chromedriver\""
  echo "export OSS_GECKODRIVER=\"$([ -x "$geckodriver" ] && echo "$geckodriver")\""
  echo "export OSS_WEBKITDRIVER=\"$webkitdriver\""
  echo "export OSS_BROWSERS=\"$(IFS=,; echo "${engines[*]}")\""
} >target/setup.env

elapsed_ms=$((($(date +%s%N) - start) / 1000000))
log "ready in $((elapsed_ms / 1000)).$(printf '%03d' $((elapsed_ms % 1000))) s (toolchain: ${toolchain:-default}, wasm-bindgen $bindgen_version, browsers: $(IFS=,; echo "${engines[*]}"))"
