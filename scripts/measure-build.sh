#!/usr/bin/env bash
# Clean debug build times, measured one after the other in the same run (shared machines vary
# by ±50% between runs, so only ratios within one run mean anything):
#   floor    — a binary depending only on reqwest (rustls) + tokio + serde_json
#   users    — a binary depending on the msgraph SDK with only the `users` API area (the phone-method
#              consumer of the quickstart), decoding a model
#   full     — the same with the default features: the whole typed v1.0 surface
# Each gets a fresh target dir. Usage: scripts/measure-build.sh [WORKDIR]
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
work=${1:-$(mktemp -d /tmp/msgraph-build-XXXXXX)}
mkdir -p "$work/floor/src" "$work/users/src" "$work/full/src"

cat > "$work/floor/Cargo.toml" <<TOML
[package]
name = "floor"
version = "0.0.0"
edition = "2021"
[dependencies]
reqwest = { version = "0.12", default-features = false, features = ["rustls-tls", "json"] }
tokio = { version = "1", features = ["rt-multi-thread", "macros"] }
serde_json = "1"
[workspace]
TOML
cat > "$work/floor/src/main.rs" <<'RS'
#[tokio::main]
async fn main() {
    let client = reqwest::Client::new();
    let v: serde_json::Value = serde_json::json!({"ok": true});
    println!("{client:?} {v}");
}
RS

for c in users full; do
  if [ "$c" = users ]; then
    dep="msgraph = { path = \"$repo/crates/msgraph\", default-features = false, features = [\"users\"] }"
  else
    dep="msgraph = { path = \"$repo/crates/msgraph\" }"
  fi
  cat > "$work/$c/Cargo.toml" <<TOML
[package]
name = "consumer-$c"
version = "0.0.0"
edition = "2021"
[dependencies]
$dep
[workspace]
TOML
  cat > "$work/$c/src/main.rs" <<'RS'
fn main() {
    let json = r##"{"@odata.type":"#microsoft.graph.phoneAuthenticationMethod","id":"3179e48a-750b-4051-897c-87b9720928f7","phoneNumber":"+1 2065555555","phoneType":"mobile","smsSignInState":"ready"}"##;
    let m: msgraph::models::AuthenticationMethodKind = msgraph::json::from_str(json).expect("valid");
    println!("{}", msgraph::json::to_string(&m));
}
RS
done

export CARGO_INCREMENTAL=0
for c in floor users full; do
  (cd "$work/$c" && cargo fetch -q)
done
declare -A secs
for c in floor users full; do
  rm -rf "$work/$c/target"
  start=$(date +%s.%N)
  (cd "$work/$c" && cargo build -q)
  end=$(date +%s.%N)
  secs[$c]=$(echo "$end - $start" | bc)
  printf '%-9s clean debug build: %6.1f s\n' "$c" "${secs[$c]}"
done
for c in users full; do
  printf 'ratio %s/floor: %.2f\n' "$c" "$(echo "${secs[$c]} / ${secs[floor]}" | bc -l)"
done
