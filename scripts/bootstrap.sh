#!/usr/bin/env bash
# Set up a fresh machine for this project: Java 17 for Spark and Chromium for the status page's browser test
# (apt-get, when missing), a virtualenv in .venv with the package and its dev tools, and Delta Lake's JARs for
# local Spark (from Maven Central, cached once under ~/.cache/lakehouse, so no run downloads anything), then the
# JVM's class-data archive beside them. Safe to run again; it only installs what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v java >/dev/null 2>&1 && [ -z "${JAVA_HOME:-}" ]; then
  echo "==> installing Java 17 (Spark needs it)" >&2
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq openjdk-17-jre-headless >/dev/null
fi

# Headless Chromium for the status page's browser test (tests/status/test_browser.py) and its screenshot.
if ! command -v chromium >/dev/null 2>&1 && ! command -v chromium-browser >/dev/null 2>&1; then
  echo "==> installing Chromium (the status page's browser test needs it)" >&2
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
fi

PYTHON="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  echo "==> creating .venv" >&2
  if ! "$PYTHON" -m venv .venv >/dev/null 2>&1; then
    echo "==> installing python3-venv" >&2  # Debian's python3 ships venv separately
    SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
    $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq python3-venv >/dev/null
    rm -rf .venv && "$PYTHON" -m venv .venv
  fi
fi
stamp=".venv/.installed-$(sha256sum pyproject.toml | cut -c1-16)"
if [ ! -f "$stamp" ] || ! .venv/bin/python -c "import lakehouse, pyspark" >/dev/null 2>&1; then
  echo "==> installing the package and its dependencies into .venv (a few minutes the first time)" >&2
  if ! .venv/bin/python -m pip install -q -e '.[local,dev]' >.venv/pip-install.log 2>&1; then
    grep -v "^WARNING: Location" .venv/pip-install.log >&2
    echo "bootstrap: pip install failed (log above, also in .venv/pip-install.log)" >&2
    exit 1
  fi
  .venv/bin/python -c "import lakehouse, pyspark, deltalake, great_expectations" >/dev/null
  rm -f .venv/.installed-* && touch "$stamp"
fi

if ! .venv/bin/python -c "import sys; from lakehouse.spark import cached_delta_jars; sys.exit(not cached_delta_jars())"; then
  echo "==> fetching Delta Lake's JARs from Maven Central (once; the local delta-spark engine needs them)" >&2
  if ! .venv/bin/python -m lakehouse.spark --fetch-delta-jars >.venv/delta-jars.log 2>&1; then
    cat .venv/delta-jars.log >&2
    echo "bootstrap: could not fetch Delta's JARs from Maven Central (log above)" >&2
    exit 1
  fi
fi

# The JVM's class-data archive (once per JDK, Spark installation and Delta): a local JVM maps their classes from it
# instead of loading and verifying them one by one (a cold one-day run about 8 s faster). Made by a one-day run of
# generated data; without it everything works, only slower, so a failure here is a warning.
archive="$(.venv/bin/python -c "from lakehouse.spark import class_archive; print(class_archive())")"
if [ ! -f "$archive" ]; then
  echo "==> making the JVM's class-data archive (once, about a minute; local Spark starts faster with it)" >&2
  .venv/bin/python -m lakehouse.spark --build-class-archive >&2 || echo "bootstrap: no class-data archive" >&2
fi
