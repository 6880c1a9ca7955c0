#!/usr/bin/env bash
# Builds a trimmed Java runtime for one shaded application jar (run in the images' build stage, and by
# scripts/measure-footprint.py so that the figures in docs/explanation/footprint.md are taken on the same runtime).
#
#   docker/jlink-runtime.sh APP.jar OUTPUT_DIR
#
# The modules are the ones jdeps finds in the jar, plus those that are only reached through service
# lookups and so are invisible to jdeps:
#   jdk.crypto.ec  - SunEC: ECDHE key exchange and ECDSA certificates for TLS (upstreams, API server)
# jdeps reads the classes of an unpacked copy: shaded jars carry their dependencies' module-info
# classes, which would make jdeps treat the whole jar as one of those modules.
# The runtime gets the JDK's default CDS archive (--generate-cds-archive), which the application's
# own archive is layered on.
set -euo pipefail
jar_file=$(realpath "$1")
output=$2
extra_modules=jdk.crypto.ec

classes=$(mktemp -d)
trap 'rm -rf "$classes"' EXIT
(cd "$classes" && jar xf "$jar_file")
find "$classes" -name module-info.class -delete
modules=$(jdeps --ignore-missing-deps --multi-release 17 --print-module-deps "$classes")
echo "jlink-runtime: modules ${modules},${extra_modules}"
jlink \
  --add-modules "${modules},${extra_modules}" \
  --strip-debug --no-man-pages --no-header-files --compress=2 \
  --generate-cds-archive \
  --output "$output"
