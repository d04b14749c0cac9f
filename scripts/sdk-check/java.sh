#!/usr/bin/env bash
# Drives `kasse emulator` with the official Amazon Pay Java SDK (amzn/amazon-pay-api-sdk-java).
#
#   scripts/sdk-check/java.sh /path/to/amazon-pay-api-sdk-java-2.6.7.jar [eu|na|jp]
#
# (or a directory of its classes instead of the jar). The region (default eu) decides the
# merchants' region and currency (EUR, USD, JPY).
# Not part of CI: the SDK is not in this repository and cannot be fetched there. Bring the SDK's
# jar yourself (Maven Central's com.amazon.pay:amazon-pay-api-sdk-java, or the SDK's own build);
# this repository holds only the driver (java/SdkCheck.java), never the SDK or a way to build it.
# Its dependencies come from Debian:
#   apt-get install default-jdk-headless libandroid-json-java libbcprov-java libhttpclient-java \
#     libhttpcore-java libcommons-beanutils-java libcommons-lang3-java libcommons-codec-java \
#     libcommons-logging-java
# (libandroid-json-java is Android's clean-room org.json, API-compatible with the org.json jar the
# SDK's pom names; Debian has no other org.json.) Needs a built Kasse (`npm run build`).
# KASSE_SDK_CHECK_PORT chooses the emulator's port (default 18444).
# What it runs and what came out: docs/emulator.md, "Official PHP and Java SDKs".
set -euo pipefail

sdk="${1:?usage: $0 PATH_TO_AMAZON_PAY_API_SDK_JAVA_JAR_OR_CLASSES [eu|na|jp]}"
region="${2:-eu}"
[[ -e "$sdk" ]] || { echo "$sdk does not exist" >&2; exit 2; }
sdk="$(realpath "$sdk")"
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
port="${KASSE_SDK_CHECK_PORT:-18444}"

classpath="$sdk"
for jar in com.android.json bcprov httpclient httpcore commons-beanutils commons-lang3 commons-codec commons-logging; do
  [[ -f "/usr/share/java/$jar.jar" ]] || { echo "/usr/share/java/$jar.jar is missing (see the apt-get line in $0)" >&2; exit 2; }
  classpath="$classpath:/usr/share/java/$jar.jar"
done

work="$(mktemp -d)"
emulator_pid=""
cleanup() {
  if [[ -n "$emulator_pid" ]]; then kill "$emulator_pid" 2>/dev/null || true; wait "$emulator_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

javac -d "$work/classes" -cp "$classpath" "$here/java/SdkCheck.java"

node "$repo/dist/cli/main.js" emulator --port "$port" --data "$work/data" >"$work/ready" 2>"$work/log" &
emulator_pid=$!
for _ in $(seq 1 100); do
  grep -q '"ready":true' "$work/ready" 2>/dev/null && break
  kill -0 "$emulator_pid" 2>/dev/null || { echo "kasse emulator did not start:" >&2; tail -5 "$work/log" >&2; exit 1; }
  sleep 0.2
done
grep -q '"ready":true' "$work/ready" || { echo "kasse emulator not ready after 20 s" >&2; exit 1; }

# The SDK's Apache HttpClient keeps certificate and host name checks on; it trusts the emulator's
# self-signed certificate through the JVM's default trust store, set here.
keytool -importcert -noprompt -alias kasse-emulator -file "$work/data/tls-cert.pem" \
  -keystore "$work/trust.p12" -storetype PKCS12 -storepass kasse-check >/dev/null 2>&1
java -Djavax.net.ssl.trustStore="$work/trust.p12" -Djavax.net.ssl.trustStorePassword=kasse-check \
  -cp "$work/classes:$classpath" SdkCheck "https://127.0.0.1:$port" "$region"
