# Shared set-up of the benchmark scripts in this directory (sourced, not run). Each
# function writes into "$work", a temporary directory the caller made.

# A release build of certtool and the stand-in; sets `bin` and `standin_bin`, a temporary
# `work` directory removed on exit together with the stand-in started later (its pid in
# `standin_pid`), and one self-signed RSA-2048 certificate in "$work": key.pem, cert.pem,
# its DER as "$work/$1" (the .cer the stand-in registers) and bundle.pem (key +
# certificate in one PEM, as every client here takes it).
bench_standin_setup() {
  cargo build --release --locked -q -p certtool -p certtool-standin --bin certtool --bin azure-standin
  bin=$PWD/target/release/certtool
  standin_bin=$PWD/target/release/azure-standin
  work=$(mktemp -d)
  standin_pid=""
  trap 'if [ -n "$standin_pid" ]; then kill "$standin_pid" 2>/dev/null || true; fi; rm -rf "$work"' EXIT
  openssl req -x509 -newkey rsa:2048 -nodes -keyout "$work/key.pem" -out "$work/cert.pem" \
    -days 30 -subj "/CN=certtool bench" 2>/dev/null
  openssl x509 -in "$work/cert.pem" -outform der -out "$work/$1"
  cat "$work/key.pem" "$work/cert.pem" >"$work/bundle.pem"
}

# An RSA-2048 key and a three-level chain in "$work": {root,inter,leaf}.{key,crt} and
# chain.pem (intermediate then root), as a typical PFX holds them.
bench_chain() {
  local n
  for n in root inter leaf; do
    openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$work/$n.key" 2>/dev/null
  done
  openssl req -x509 -new -key "$work/root.key" -subj "/CN=Bench Root" -days 30 -out "$work/root.crt"
  openssl req -new -key "$work/inter.key" -subj "/CN=Bench Intermediate" -out "$work/inter.csr"
  printf 'basicConstraints=critical,CA:true\n' >"$work/ca.ext"
  openssl x509 -req -in "$work/inter.csr" -CA "$work/root.crt" -CAkey "$work/root.key" -CAcreateserial \
    -days 30 -extfile "$work/ca.ext" -out "$work/inter.crt" 2>/dev/null
  openssl req -new -key "$work/leaf.key" -subj "/CN=Bench Leaf" -out "$work/leaf.csr"
  openssl x509 -req -in "$work/leaf.csr" -CA "$work/inter.crt" -CAkey "$work/inter.key" -CAcreateserial \
    -days 30 -out "$work/leaf.crt" 2>/dev/null
  cat "$work/inter.crt" "$work/root.crt" >"$work/chain.pem"
}

# Starts the stand-in on "$work/standin.toml" (its CA in "$work/ca.pem") and waits up to
# $1 tenths of a second (default 100) for it to listen; sets `standin_pid` and `url`.
bench_standin_start() {
  local tries=${1:-100}
  "$standin_bin" --config "$work/standin.toml" --port 0 --ca-out "$work/ca.pem" >"$work/standin.out" 2>&1 &
  standin_pid=$!
  for _ in $(seq 1 "$tries"); do
    grep -q listening "$work/standin.out" 2>/dev/null && break
    sleep 0.1
  done
  url=$(awk '/listening/ {print $4}' "$work/standin.out")
  [ -n "$url" ] || { cat "$work/standin.out" >&2; echo "the stand-in did not start" >&2; exit 1; }
}
