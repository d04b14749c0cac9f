#!/usr/bin/env bash
# Drives `kasse emulator` with the official Amazon Pay PHP SDK (amzn/amazon-pay-api-sdk-php).
#
#   scripts/sdk-check/php.sh /path/to/amazon-pay-api-sdk-php [eu|na|jp]
#
# The region (default eu) decides the merchants' region and currency (EUR, USD, JPY).
# Not part of CI: the SDK is not in this repository and cannot be fetched there. Needs (Debian):
#   apt-get install php-cli php-curl php-mbstring php-phpseclib3
# and a built Kasse (`npm run build`). The SDK always connects to port 443 (HttpCurl sets
# CURLOPT_PORT 443, whatever override_service_url says), so the emulator is started on
# 127.0.0.1:443: run as root, or give node CAP_NET_BIND_SERVICE, and keep 443 free.
# What it runs and what came out: docs/emulator.md, "Official PHP and Java SDKs".
set -euo pipefail

sdk="${1:?usage: $0 PATH_TO_AMAZON_PAY_API_SDK_PHP [eu|na|jp]}"
region="${2:-eu}"
sdk="$(cd "$sdk" && pwd)"
[[ -f "$sdk/Amazon/Pay/API/Client.php" ]] || { echo "no Amazon/Pay/API/Client.php under $sdk" >&2; exit 2; }
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
autoload="${PHPSECLIB_AUTOLOAD:-/usr/share/php/phpseclib3/autoload.php}"
[[ -f "$autoload" ]] || { echo "phpseclib3 not found at $autoload (apt-get install php-phpseclib3)" >&2; exit 2; }

data="$(mktemp -d)"
emulator_pid=""
cleanup() {
  if [[ -n "$emulator_pid" ]]; then kill "$emulator_pid" 2>/dev/null || true; wait "$emulator_pid" 2>/dev/null || true; fi
  rm -rf "$data"
}
trap cleanup EXIT

node "$repo/dist/cli/main.js" emulator --port 443 --data "$data" >"$data/ready" 2>"$data/log" &
emulator_pid=$!
for _ in $(seq 1 100); do
  grep -q '"ready":true' "$data/ready" 2>/dev/null && break
  kill -0 "$emulator_pid" 2>/dev/null || { echo "kasse emulator did not start:" >&2; tail -5 "$data/log" >&2; exit 1; }
  sleep 0.2
done
grep -q '"ready":true' "$data/ready" || { echo "kasse emulator not ready after 20 s" >&2; exit 1; }

# The emulator's self-signed certificate is trusted for curl (the SDK) and for PHP streams
# (the report document download); the SDK keeps peer and host verification on.
SDK_DIR="$sdk" REGION="$region" EMULATOR_URL="https://127.0.0.1:443" PHPSECLIB_AUTOLOAD="$autoload" \
  php -d curl.cainfo="$data/tls-cert.pem" -d openssl.cafile="$data/tls-cert.pem" "$here/php/check.php"
