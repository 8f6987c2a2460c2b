# Shared by scripts/start and scripts/test: idempotent setup steps. Each one checks before it installs.

step() { printf '\n==> %s\n' "$*"; }

# The toolchain pinned in rust-toolchain.toml, with clippy, rustfmt and the wasm32 target.
ensure_rust() {
  if ! command -v cargo >/dev/null 2>&1; then
    if [ -x "$HOME/.cargo/bin/cargo" ]; then
      export PATH="$HOME/.cargo/bin:$PATH"
    else
      echo "Rust is not installed: see https://rustup.rs, then run this again." >&2
      exit 1
    fi
  fi
  # rustup reads rust-toolchain.toml and installs the pinned toolchain, components and target if missing.
  rustup show active-toolchain >/dev/null
  rustup target list --installed | grep -qx wasm32-unknown-unknown || rustup target add wasm32-unknown-unknown
}

# PostgreSQL at 127.0.0.1:5432 for the tests that need it. Started when a local cluster exists but is down;
# on a machine without PostgreSQL those tests say so and are skipped (under CI=true they fail instead).
ensure_postgres() {
  if command -v pg_isready >/dev/null 2>&1 && ! pg_isready -q -h 127.0.0.1 -p 5432; then
    if [ -d /etc/postgresql ] && command -v pg_ctlcluster >/dev/null 2>&1; then
      step "starting PostgreSQL"
      pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n 1)" main start || true
      for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done
    fi
  fi
  if [ "${CI:-}" = "true" ] && ! pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then
    echo "PostgreSQL is required under CI=true but is not reachable at 127.0.0.1:5432" >&2
    exit 1
  fi
}

# The web app's build tools, each at the version the build needs; installs only what is missing or wrong
# (about 17 minutes the first time). Versions and the offline traps are explained in docs/toolchain.md.
TRUNK_VERSION=0.21.14
BINARYEN_VERSION=132.0.0

# Run as root, or through sudo when there is one.
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

# Debian packages, installed only when one of their commands is missing. Usage: ensure_apt CMD=PACKAGE ...
ensure_apt() {
  local missing=()
  for pair in "$@"; do
    command -v "${pair%%=*}" >/dev/null 2>&1 || missing+=("${pair#*=}")
  done
  if [ "${#missing[@]}" -gt 0 ]; then
    step "installing ${missing[*]} (apt)"
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
}

# The wasm-bindgen version in Cargo.lock: the CLI must match it exactly.
wasm_bindgen_version() {
  awk '$0 == "name = \"wasm-bindgen\"" { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock
}

ensure_web_tools() {
  ensure_rust
  export PATH="$PWD/tools/npm/node_modules/.bin:$HOME/.cargo/bin:$PATH"

  if [ "$(trunk --version 2>/dev/null)" != "trunk $TRUNK_VERSION" ]; then
    # The newest Trunk needs a newer Rust than ours; this one builds with 1.95.
    step "installing trunk $TRUNK_VERSION (about 11 minutes, once)"
    cargo install trunk --version "$TRUNK_VERSION" --locked
  fi

  local wbg
  wbg=$(wasm_bindgen_version)
  if [ "$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" != "$wbg" ]; then
    # Its lock file pins a webpki-roots the registry mirror lacks: build from its source with that one pin
    # moved back a patch release, every other version as locked.
    step "installing wasm-bindgen-cli $wbg (about 6 minutes, once)"
    cargo info "wasm-bindgen-cli@$wbg" >/dev/null
    local src
    src=$(ls -d "$HOME"/.cargo/registry/src/*/"wasm-bindgen-cli-$wbg" | head -n 1)
    rm -rf "tools/wasm-bindgen-cli-$wbg"
    mkdir -p tools
    cp -r "$src" "tools/wasm-bindgen-cli-$wbg"
    (
      cd "tools/wasm-bindgen-cli-$wbg"
      cargo update -p webpki-roots --precise 1.0.10 || true
      cargo install --path . --locked
    )
  fi

  if [ "$(wasm-opt --version 2>/dev/null | awk '{print $3}')" != "$BINARYEN_VERSION" ] &&
    ! wasm-opt --version 2>/dev/null | grep -q "version_${BINARYEN_VERSION%%.*}"; then
    # Debian's wasm-opt (108) produces a module the browser rejects; binaryen's npm build is correct.
    step "installing wasm-opt (binaryen $BINARYEN_VERSION, npm)"
    npm install --silent --no-audit --no-fund --prefix tools/npm "binaryen@$BINARYEN_VERSION" >/dev/null
  fi
}

# Builds the web app into dist/ and precompresses its assets for `mixtape serve` (brotli and gzip).
build_app() {
  step "building the web app (trunk build --release)"
  trunk build --release --offline
  find dist -type f \( -name '*.wasm' -o -name '*.js' -o -name '*.css' -o -name '*.html' -o -name '*.svg' \) |
    while read -r f; do
      brotli -f -k -q 11 "$f"
      gzip -f -k -9 "$f"
    done
}
