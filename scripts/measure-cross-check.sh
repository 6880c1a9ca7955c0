#!/bin/bash
# Measures what the answer cross-check costs (docs/explanation/cross-check.md#cost): two Unbound DoT
# upstreams on loopback serving a synthetic zone, proxy-runtime.jar in front of them with the cache off
# (every query a miss), with and without --cross-check, in alternating rounds. Per run: dnsperf at a
# fixed rate for 10 s (or, with RATE=0, as fast as it goes for 5 s), latency percentiles from dnsperf's
# per-query output, and the upstream queries from the proxy's /metrics.
#
# Everything listens on 127.0.0.1 and stops by itself; only processes this script started are stopped.
# Needs: unbound, dnsperf, kdig, openssl, gcc, curl, python3, and `mvn -B package -DskipTests` done.
#
#   RATE=500 ROUNDS=3 scripts/measure-cross-check.sh
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
JAR=$ROOT/proxy-runtime/target/proxy-runtime.jar
RATE=${RATE:-500}
ROUNDS=${ROUNDS:-3}
[ -f "$JAR" ] || { echo "missing $JAR: run mvn -B package -DskipTests first" >&2; exit 1; }
DIR=$(mktemp -d /tmp/dotproxy-cross-check-XXXXXX)
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  rm -rf "$DIR"
}
trap cleanup EXIT
cd "$DIR"

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# Stock Unbound leaves Nagle on for DoT; the same shim as the integration tests turns it off.
gcc "$ROOT/proxy-runtime/src/test/resources/testing/nodelay.c" -shared -fPIC -O2 -o nodelay.so -ldl
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout ca.key -out ca.pem -days 1 \
  -subj /CN=cross-check-ca 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout dot.key -out dot.csr -subj /CN=dot.test 2>/dev/null
printf "subjectAltName=DNS:dot.test\n" > san.cnf
openssl x509 -req -in dot.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out dot.pem -days 1 -extfile san.cnf 2>/dev/null
for i in $(seq 0 9999); do echo "n$i.test. A"; done > queries.txt

start_unbound() {
  local port=$1 conf=unbound-$1.conf
  {
    echo "server:"
    printf '  %s\n' "do-daemonize: no" 'chroot: ""' 'username: ""' "directory: \"$DIR\"" 'pidfile: ""' \
      "use-syslog: no" "logfile: \"$DIR/unbound-$port.log\"" "verbosity: 0" "interface: 127.0.0.1@$port" \
      "tls-port: $port" "tls-service-key: \"$DIR/dot.key\"" "tls-service-pem: \"$DIR/dot.pem\"" "num-threads: 1" \
      "so-reuseport: no" "incoming-num-tcp: 100" "outgoing-range: 64" 'module-config: "iterator"' \
      'local-zone: "." refuse' 'local-zone: "test." static' \
      'local-data: "test. 300 IN SOA ns.test. hostmaster.test. 1 3600 600 86400 60"'
    for i in $(seq 0 9999); do echo "  local-data: \"n$i.test. 300 IN A 198.18.$((i / 256)).$((i % 256))\""; done
  } > "$conf"
  LD_PRELOAD=$DIR/nodelay.so unbound -d -c "$conf" &
  PIDS+=($!)
}
UPSTREAM1=$(free_port); UPSTREAM2=$(free_port)
start_unbound "$UPSTREAM1"
start_unbound "$UPSTREAM2"

measure() { # LABEL [proxy flags...]
  local label=$1; shift
  local port admin proxy
  port=$(free_port); admin=$(free_port)
  java -jar "$JAR" --listen "127.0.0.1:$port" --admin "127.0.0.1:$admin" --cache-size 0 --ca-file ca.pem \
    --upstream "127.0.0.1@$UPSTREAM1#dot.test" --upstream "127.0.0.1@$UPSTREAM2#dot.test" "$@" 2> "proxy-$label.log" &
  proxy=$!
  PIDS+=($proxy)
  for _ in $(seq 100); do
    kdig @127.0.0.1 -p "$port" +short +timeout=1 n1.test A > /dev/null 2>&1 && break
    sleep 0.2
  done
  dnsperf -s 127.0.0.1 -p "$port" -d queries.txt -l 3 -Q 500 -c 4 > /dev/null 2>&1 # warm-up: JIT, connections
  curl -s "http://127.0.0.1:$admin/metrics" > "before-$label.txt"
  if [ "$RATE" = 0 ]; then
    dnsperf -s 127.0.0.1 -p "$port" -d queries.txt -l 5 -q 64 -c 4 -v > "perf-$label.txt" 2>&1
  else
    dnsperf -s 127.0.0.1 -p "$port" -d queries.txt -l 10 -Q "$RATE" -c 4 -v > "perf-$label.txt" 2>&1
  fi
  curl -s "http://127.0.0.1:$admin/metrics" > "after-$label.txt"
  kill "$proxy"
  wait "$proxy" 2> /dev/null || true
  python3 - "$label" << 'EOF'
import re, sys
label = sys.argv[1]
latencies, qps = [], ""
for line in open(f"perf-{label}.txt"):
    m = re.match(r"> \w+ \S+ \S+ ([0-9.]+)$", line.strip())
    if m:
        latencies.append(float(m.group(1)) * 1000)
    if "Queries per second" in line:
        qps = line.split()[-1]
latencies.sort()
def percentile(q):
    return latencies[min(len(latencies) - 1, int(q * len(latencies)))]
def upstream_queries(name):
    return sum(float(l.split()[-1]) for l in open(name) if l.startswith("dotproxy_upstream_requests_total{"))
sent = upstream_queries(f"after-{label}.txt") - upstream_queries(f"before-{label}.txt")
print(f"{label:8s} {float(qps):9.0f} answers/s  p50 {percentile(.5):6.2f} ms  p90 {percentile(.9):6.2f} ms"
      f"  p99 {percentile(.99):6.2f} ms  upstream queries per answer {sent / len(latencies):.2f}")
EOF
}

for round in $(seq "$ROUNDS"); do
  measure "off-$round"
  measure "on-$round" --cross-check
done
