#!/usr/bin/env bash
# Training run that writes the proxy's application class-data archive (AppCDS). Run in the image's
# build stage with the same runtime, jar path and JVM flags as the image's ENTRYPOINT, because the JVM
# only maps an archive made by the same java binary for the same class path.
#
#   docker/train-proxy-cds.sh JAVA JAR ARCHIVE [JVM_FLAG]...
#
# The proxy starts on loopback with a real DNS-over-TLS upstream on loopback (TrainingUpstream.java
# beside this script, run by the JDK's `java` on the PATH, with a key pair that `keytool` makes for
# the run), so that the archive holds what the first queries of a pod load: the TLS handshake with
# its certificate path and host name checks, a miss answered by the upstream, a hit from the cache. It
# answers UDP and TCP queries, serves /readyz and /metrics; SIGTERM then stops it and the JVM writes
# every class it loaded into ARCHIVE. Besides the JDK, nothing but bash and coreutils is needed (no
# dig, no curl): the queries go through bash's /dev/udp and /dev/tcp. Ports: TRAIN_DNS_PORT (5353),
# TRAIN_ADMIN_PORT (9153) and TRAIN_UPSTREAM_PORT (8853).
set -euo pipefail
java=$1
jar=$2
archive=$3
shift 3
dns_port=${TRAIN_DNS_PORT:-5353}
admin_port=${TRAIN_ADMIN_PORT:-9153}
upstream_port=${TRAIN_UPSTREAM_PORT:-8853}
here=$(dirname "$(realpath "$0")")
scratch=$(mktemp -d)
upstream=
proxy=
cleanup() {
  for pid in $proxy $upstream; do kill "$pid" 2>/dev/null || true; done
  rm -rf "$scratch"
}
trap cleanup EXIT

# A CA and a server certificate it signed, as real upstreams present them: a chain whose first
# certificate is not itself trusted takes the JDK's full certificate path validation (PKIX), and its
# classes belong in the archive. (A self-signed certificate in --ca-file would be trusted as it is,
# and the first handshake of a pod would load those classes from the runtime image.)
store() { keytool -keystore "$scratch/$1.p12" -storetype PKCS12 -storepass training -keypass training "${@:2}" 2>/dev/null; }
store ca -genkeypair -alias ca -keyalg EC -groupname secp256r1 -validity 2 -dname CN=training-ca -ext bc:c
store ca -exportcert -rfc -alias ca -file "$scratch/ca.pem"
store upstream -genkeypair -alias upstream -keyalg EC -groupname secp256r1 -validity 2 -dname CN=training.invalid
store upstream -certreq -alias upstream -file "$scratch/upstream.csr"
store ca -gencert -alias ca -rfc -validity 2 -ext san=dns:training.invalid -ext eku=serverAuth \
  -infile "$scratch/upstream.csr" -outfile "$scratch/upstream.pem"
store upstream -importcert -noprompt -alias ca -file "$scratch/ca.pem"
store upstream -importcert -noprompt -alias upstream -file "$scratch/upstream.pem"
java "$here/TrainingUpstream.java" "$upstream_port" "$scratch/upstream.p12" training >/dev/null &
upstream=$!
for _ in $(seq 1 300); do
  if (exec 6<>"/dev/tcp/127.0.0.1/${upstream_port}") 2>/dev/null; then
    break
  fi
  kill -0 "$upstream" 2>/dev/null || { echo "train-proxy-cds: the training upstream exited" >&2; exit 1; }
  sleep 0.1
done

# -Xlog:cds=error: the dump lists every class it leaves out (JFR events, classes that fail
# verification because an optional dependency such as Conscrypt is absent); none is needed.
"$java" "$@" -XX:ArchiveClassesAtExit="$archive" -Xlog:cds=error -jar "$jar" \
  --listen "127.0.0.1:${dns_port}" --admin "127.0.0.1:${admin_port}" \
  --upstream "127.0.0.1@${upstream_port}#training.invalid" --ca-file "$scratch/ca.pem" \
  --timeout 2s --drain-period 0s &
proxy=$!

http_get() { # PATH: prints the status line; fails while the admin port is closed
  local response
  exec 3<>"/dev/tcp/127.0.0.1/${admin_port}" || return 1
  printf 'GET %s HTTP/1.0\r\nHost: localhost\r\n\r\n' "$1" >&3
  response=$(timeout 5 cat <&3 || true)
  exec 3>&- 3<&-
  printf '%s\n' "${response%%$'\r'*}"
}

for _ in $(seq 1 300); do
  if http_get /livez 2>/dev/null | grep -q ' 200'; then
    break
  fi
  kill -0 "$proxy" 2>/dev/null || { echo "train-proxy-cds: the proxy exited during startup" >&2; exit 1; }
  sleep 0.1
done
http_get /readyz

# example.com A IN, id 0x1234, RD: over UDP (a miss, answered by the upstream: 45 bytes), then over
# TCP with its two-byte length prefix and again over UDP (hits from the cache)
query='\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\x07example\x03com\x00\x00\x01\x00\x01'
exec 4<>"/dev/udp/127.0.0.1/${dns_port}"
printf "$query" >&4
timeout 5 head -c 45 <&4 >/dev/null || true
exec 5<>"/dev/tcp/127.0.0.1/${dns_port}"
printf "\x00\x1d${query}" >&5
timeout 5 head -c 47 <&5 >/dev/null || true
printf "$query" >&4
timeout 5 head -c 45 <&4 >/dev/null || true
exec 4>&- 4<&- 5>&- 5<&-
http_get /metrics

kill -TERM "$proxy"
wait "$proxy" || true
proxy=
test -s "$archive" || { echo "train-proxy-cds: no archive written to $archive" >&2; exit 1; }
echo "train-proxy-cds: wrote $archive ($(wc -c <"$archive") bytes)"
