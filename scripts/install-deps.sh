#!/usr/bin/env bash
# Installs every build, test and run dependency of sondhan on Debian 12 (bookworm). Node.js 20
# with npm (for the browser tests) is expected on the machine; Debian 12 packages only Node 18.
# The one package list: README, .ci/run and docker/Dockerfile all call this script.
#   scripts/install-deps.sh          build + test + run dependencies
#   scripts/install-deps.sh --runtime  only what the built binaries need at run time
set -euo pipefail

build_packages=(
  build-essential cmake pkg-config git
  libxapian-dev libicu-dev libcpp-httplib-dev libssl-dev zlib1g-dev libzstd-dev libbrotli-dev
  libjemalloc-dev libspdlog-dev libfmt-dev nlohmann-json3-dev libsimdjson-dev libtoml11-dev libcli11-dev
  catch2 libbenchmark-dev
  xapian-tools wrk curl python3 python3-jsonschema python3-yaml nginx clang-14 libclang-rt-14-dev
  chromium fonts-noto-core
)
runtime_packages=(
  libxapian30 libicu72 libjemalloc2 libcpp-httplib0.11 libspdlog1.10 libsimdjson14 zlib1g libzstd1 curl
)

packages=("${build_packages[@]}")
if [[ "${1:-}" == "--runtime" ]]; then
  packages=("${runtime_packages[@]}")
fi

sudo_cmd=()
if [[ $(id -u) -ne 0 ]]; then
  sudo_cmd=(sudo)
fi

export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update
"${sudo_cmd[@]}" apt-get install -y --no-install-recommends "${packages[@]}"
