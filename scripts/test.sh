#!/usr/bin/env bash
# Installs dependencies, builds, and runs the whole test suite (CTest). Fails if any test fails.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
ctest --test-dir build --output-on-failure -j2 --timeout 600
