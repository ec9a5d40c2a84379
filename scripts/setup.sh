#!/usr/bin/env bash
# Installs the Debian packages spotstream needs to build, test and run its demo.
# Idempotent: prints nothing and exits 0 when everything is already present.
set -euo pipefail

PACKAGES=(
  build-essential cmake pkg-config git
  librdkafka-dev kcat
  libmosquitto-dev mosquitto mosquitto-clients
  libpq-dev postgresql
  nlohmann-json3-dev libsimdjson-dev
  libeigen3-dev libspdlog-dev libfmt-dev
  libconcurrentqueue-dev libcli11-dev libyaml-cpp-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  libcpp-httplib-dev prometheus-cpp-dev prometheus
  libxgboost-dev python3-xgboost python3-numpy
  libjemalloc-dev
  gnuplot-nox chromium
  docker-compose
  python3 python3-paho-mqtt openssl
  clang libclang-rt-14-dev
)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
  echo "setup: missing packages: ${missing[*]}" >&2
  echo "setup: run as root (or: sudo apt-get install ${missing[*]})" >&2
  exit 1
fi
echo "setup: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
# Debian's packaged services must not keep running on their default ports: the project starts its
# own PostgreSQL, Mosquitto and Prometheus on loopback ports with state in temporary directories.
for svc in mosquitto postgresql prometheus; do
  if command -v systemctl >/dev/null 2>&1; then systemctl disable --now "$svc" >/dev/null 2>&1 || true; fi
done
echo "setup: done"
