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
