#!/usr/bin/env bash
# Installs the system libraries LogLab links against and the reference CLIs its tests
# check interoperability with. Debian/Ubuntu; needs root (or sudo).
set -euo pipefail
packages=(pkg-config libzstd-dev liblzma-dev libbrotli-dev zlib1g-dev libdeflate-dev libssl-dev zstd xz-utils brotli gzip)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# The Python package's tests: python3 with venv, and Java 17+ for the Spark data source.
python3 -c "import venv, ensurepip" 2>/dev/null || missing+=(python3 python3-venv python3-pip)
java -version >/dev/null 2>&1 || missing+=(openjdk-17-jre-headless)
if [ ${#missing[@]} -gt 0 ]; then
  sudo_cmd=""
  [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
