#!/usr/bin/env bash
# Completes the API's runnable distribution (the dependency plugin has filled lib/ already):
# this module's jar into lib/, the launcher (executable) into bin/, the logging setup into conf/.
#   dist.sh API_JAR SRC_DIST DIST
set -euo pipefail
jar="$1" src="$2" dist="$3"
install -D -m 644 "$jar" "$dist/lib/$(basename "$jar")"
install -D -m 755 "$src/bin/biostream" "$dist/bin/biostream"
install -D -m 644 "$src/conf/log4j2.properties" "$dist/conf/log4j2.properties"
