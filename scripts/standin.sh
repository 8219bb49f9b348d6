# Sourced by scripts/test-dist.sh and scripts/test-recipes.sh: starts the local Azure
# stand-in (docs/try-offline.md) with one subscription that accepts a management
# certificate and one tenant whose app signs in with a certificate and holds Reader on it.
#   standin_start DIR   makes DIR/{mgmt,app}{.cer,-bundle.pem,.pfx}, DIR/standin.toml, starts
#                       the stand-in and sets STANDIN_URL, STANDIN_CA (DIR/ca.pem), STANDIN_PID,
#                       SUBSCRIPTION, TENANT, CLIENT_ID, PFX_PASSWORD (of the two .pfx files),
#                       APP_SECRET (a client secret the app also signs in with)
#   standin_stop
# Needs openssl and the azure-standin binary (built here in target/debug if absent).

SUBSCRIPTION=00000000-0000-0000-0000-000000000001
TENANT=11111111-1111-1111-1111-111111111111
CLIENT_ID=22222222-2222-2222-2222-222222222222
PFX_PASSWORD=recipe-Secret-1
APP_SECRET=recipe-app-Secret-2

standin_start() {
  local dir=$1 repo n
  repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
  local standin=${AZURE_STANDIN:-$repo/target/debug/azure-standin}
  if [ ! -x "$standin" ]; then
    (cd "$repo" && cargo build --locked -q --bin azure-standin)
  fi
  mkdir -p "$dir"
  for n in mgmt app; do
    openssl req -x509 -newkey rsa:2048 -nodes -days 365 -subj "/CN=certtool $n" \
      -keyout "$dir/$n.key" -out "$dir/$n.pem" 2>/dev/null
    openssl x509 -in "$dir/$n.pem" -outform DER -out "$dir/$n.cer"
    cat "$dir/$n.key" "$dir/$n.pem" >"$dir/$n-bundle.pem"
    PFX_PASSWORD=$PFX_PASSWORD openssl pkcs12 -export -inkey "$dir/$n.key" -in "$dir/$n.pem" \
      -name "certtool $n" -passout env:PFX_PASSWORD -out "$dir/$n.pfx"
  done
  cat >"$dir/standin.toml" <<TOML
[[subscription]]
id = "$SUBSCRIPTION"
name = "Production"
state = "Active"
management_certificates = ["mgmt.cer"]
hosted_services = [{ name = "web", location = "West US", label = "web" }]

[[tenant]]
id = "$TENANT"
[[tenant.app]]
client_id = "$CLIENT_ID"
certificates = ["app.cer"]
secrets = [{ value = "$APP_SECRET" }]
graph_permissions = ["Application.Read.All"]
enabled = true
[[tenant.app.role]]
scope = "/subscriptions/$SUBSCRIPTION"
actions = ["*/read"]
not_actions = []
TOML
  "$standin" --config "$dir/standin.toml" --port 0 --ca-out "$dir/ca.pem" >"$dir/standin.log" 2>&1 &
  STANDIN_PID=$!
  STANDIN_CA=$dir/ca.pem
  STANDIN_URL=
  for _ in $(seq 1 100); do
    STANDIN_URL=$(grep -o 'https://127.0.0.1:[0-9]*' "$dir/standin.log" 2>/dev/null | head -1) || true
    [ -n "$STANDIN_URL" ] && break
    sleep 0.1
  done
  if [ -z "$STANDIN_URL" ]; then
    echo "the stand-in did not start:" >&2
    cat "$dir/standin.log" >&2
    return 1
  fi
  export SUBSCRIPTION TENANT CLIENT_ID PFX_PASSWORD APP_SECRET STANDIN_URL STANDIN_CA
}

standin_stop() {
  if [ -n "${STANDIN_PID:-}" ]; then
    kill "$STANDIN_PID" 2>/dev/null || true
    wait "$STANDIN_PID" 2>/dev/null || true
    STANDIN_PID=
  fi
}
