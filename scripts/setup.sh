#!/usr/bin/env bash
# Installs what building and running the portal needs (and, with --test, what testing it
# needs). Everything already present is left alone: a second run installs nothing.
set -euo pipefail
cd "$(dirname "$0")/.."

for_tests=false
[[ "${1:-}" == "--test" ]] && for_tests=true

as_root() { if [[ $(id -u) -eq 0 ]]; then "$@"; else sudo "$@"; fi; }
has_pg_server() {
  compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || command -v initdb >/dev/null
}

# --- Debian packages ----------------------------------------------------------------
packages=()
command -v cc >/dev/null || packages+=(build-essential)
has_pg_server || packages+=(postgresql)
command -v npm >/dev/null || packages+=(nodejs npm)
if $for_tests; then
  [[ -x /usr/bin/chromium ]] || packages+=(chromium)
  # The tests' S3-compatible store (moto) lives in a virtual environment of its own.
  python3 -c 'import venv, ensurepip' 2>/dev/null || packages+=(python3 python3-venv)
  # The PDF reports are read back as text (and looked at as images) with poppler's tools.
  command -v pdftotext >/dev/null || packages+=(poppler-utils)
fi
if ((${#packages[@]})); then
  echo "==> installing Debian packages: ${packages[*]}"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${packages[@]}"
fi

# --- Rust tools -------------------------------------------------------------------------
command -v cargo >/dev/null || { echo "error: cargo is missing: install Rust with rustup first" >&2; exit 1; }
if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  echo "==> adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi
if [[ "$(cargo leptos --version 2>/dev/null)" != "cargo-leptos 0.3.10" ]]; then
  # no_downloads: use the tools on the PATH instead of fetching them (about 17 minutes).
  echo "==> installing cargo-leptos 0.3.10"
  cargo install cargo-leptos --locked --version 0.3.10 --features no_downloads
fi
# wasm-bindgen-cli must match the wasm-bindgen in Cargo.lock exactly. Not --locked: its own
# lock file pins a crate version the registry no longer serves.
wasm_bindgen=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)
if [[ "$(wasm-bindgen --version 2>/dev/null)" != "wasm-bindgen $wasm_bindgen" ]]; then
  echo "==> installing wasm-bindgen-cli $wasm_bindgen"
  cargo install wasm-bindgen-cli --version "$wasm_bindgen"
fi

# --- wasm-opt ---------------------------------------------------------------------------
# Release builds run wasm-opt. Debian 12's binaryen (108) breaks wasm-bindgen's externref table
# (the page's script then fails with "WebAssembly.Table.set(): Argument 1 is invalid for
# table" and nothing hydrates): use Binaryen's own build from npm, put on the PATH by the Makefile.
binaryen=132
if [[ "$(target/wasm-opt/node_modules/.bin/wasm-opt --version 2>/dev/null)" != "wasm-opt version $binaryen "* ]]; then
  echo "==> installing wasm-opt (binaryen $binaryen)"
  mkdir -p target/wasm-opt
  npm install --prefix target/wasm-opt --no-save --no-audit --no-fund "binaryen@$binaryen.0.0"
fi

# --- The tests' S3-compatible store -------------------------------------------------------
# moto in server mode: a real S3 HTTP API on loopback for the avatar tests (support/s3.rs).
moto=5.2.5
if $for_tests && [[ "$(target/moto/bin/python -c 'import moto; print(moto.__version__)' 2>/dev/null)" != "$moto" ]]; then
  echo "==> installing moto $moto (S3-compatible server for the tests)"
  rm -rf target/moto
  python3 -m venv target/moto
  target/moto/bin/pip install -q "moto[server]==$moto"
fi

# --- Playwright -------------------------------------------------------------------------
if $for_tests; then
  stamp=end2end/node_modules/.installed-lock
  if ! cmp -s end2end/package-lock.json "$stamp"; then
    echo "==> installing the end2end npm packages"
    (cd end2end && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund)
    cp end2end/package-lock.json "$stamp"
  fi
fi
