#!/usr/bin/env bash
# Security checks (issue 6): checkov on terraform/ and .github/workflows/ must report zero failed checks (the few
# skips are inline, next to their resource, each with its reason), and a detect-secrets scan of the repository's
# files must find nothing. Quiet on success: one summary line; the findings and exit status 1 otherwise.
#
# checkov lives in its own virtualenv, .venv-checkov/, created here when missing: its many exact pins would clash
# with the project's. The install is a one-time cost; a stamp names the version, so a bump reinstalls.
# detect-secrets is a dev dependency of the project (.venv, made by scripts/bootstrap.sh).
set -euo pipefail
cd "$(dirname "$0")/.."

CHECKOV_VERSION="3.3.30"
PYTHON="${PYTHON:-python3}"
CHECKOV_VENV=".venv-checkov"

install_checkov() {
  local stamp="$CHECKOV_VENV/.installed-checkov-$CHECKOV_VERSION"
  [ -f "$stamp" ] && [ -x "$CHECKOV_VENV/bin/checkov" ] && return 0
  echo "==> installing checkov $CHECKOV_VERSION into $CHECKOV_VENV (once; a minute or two)" >&2
  rm -rf "$CHECKOV_VENV"
  "$PYTHON" -m venv "$CHECKOV_VENV"
  if ! "$CHECKOV_VENV/bin/python" -m pip install -q "checkov==$CHECKOV_VERSION" >"$CHECKOV_VENV/pip-install.log" 2>&1; then
    cat "$CHECKOV_VENV/pip-install.log" >&2
    echo "security: pip install checkov failed (log above, also in $CHECKOV_VENV/pip-install.log)" >&2
    exit 1
  fi
  touch "$stamp"
}

run_checkov() {
  # Offline: --skip-download (no Prisma Cloud API; the only suppressions are the inline comments) and no PyPI
  # version check.
  local out="$1" framework="$2" dir="$3"
  CKV_SKIP_PACKAGE_UPDATE_CHECK=true \
    "$CHECKOV_VENV/bin/checkov" -d "$dir" --framework "$framework" --skip-download --compact --quiet \
    --output json >"$out" 2>"$out.err"
}

summarise_checkov() {
  # checkov --output json: one object, or a list of them (one per framework); prints "passed failed skipped".
  "$CHECKOV_VENV/bin/python" - "$@" <<'PY'
import json, sys
passed = failed = skipped = 0
for path in sys.argv[1:]:
    text = open(path, encoding="utf-8").read().strip()
    data = json.loads(text) if text else []
    for report in data if isinstance(data, list) else [data]:
        summary = report.get("summary", {})
        passed += summary.get("passed", 0)
        failed += summary.get("failed", 0)
        skipped += summary.get("skipped", 0)
        if summary.get("parsing_errors", 0):
            failed += summary["parsing_errors"]
            print(f"parsing errors in {path}", file=sys.stderr)
print(passed, failed, skipped)
PY
}

install_checkov
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

checkov_status=0
run_checkov "$tmp/terraform.json" terraform terraform || checkov_status=$?
run_checkov "$tmp/actions.json" github_actions .github/workflows || checkov_status=$?
summary="$(summarise_checkov "$tmp/terraform.json" "$tmp/actions.json")" || summary="0 1 0"
read -r passed failed skipped <<<"$summary"
if [ "$checkov_status" -ne 0 ] || [ "$failed" -ne 0 ]; then
  # Re-run in the readable form so the log names each failed check and its file:line.
  export CKV_SKIP_PACKAGE_UPDATE_CHECK=true
  "$CHECKOV_VENV/bin/checkov" -d terraform --framework terraform --skip-download --compact --quiet >&2 || true
  "$CHECKOV_VENV/bin/checkov" -d .github/workflows --framework github_actions --skip-download --compact --quiet >&2 || true
  cat "$tmp"/*.err >&2 || true
  echo "security: checkov found $failed failed check(s) (exit $checkov_status); fix them or skip inline with a reason" >&2
  exit 1
fi

# detect-secrets over every file git knows of (tracked, plus new files not ignored), so a secret is caught before
# its first commit. No baseline: any finding fails. A reviewed false positive is marked on its own line
# (`# pragma: allowlist secret`), never excluded here.
if [ ! -x .venv/bin/detect-secrets ]; then
  echo "security: .venv/bin/detect-secrets is missing; run scripts/bootstrap.sh first" >&2
  exit 1
fi
git ls-files -z --cached --others --exclude-standard >"$tmp/files"
findings="$(.venv/bin/python - "$tmp/files" <<'PY'
import sys
from pathlib import Path

from detect_secrets import SecretsCollection
from detect_secrets.settings import default_settings

paths = [p for p in Path(sys.argv[1]).read_text(encoding="utf-8").split("\0") if p and Path(p).is_file()]
secrets = SecretsCollection()
with default_settings():
    secrets.scan_files(*paths)
for path, found in sorted(secrets.json().items()):
    for secret in found:
        print(f"{path}:{secret['line_number']}: {secret['type']}")
PY
)"
if [ -n "$findings" ]; then
  echo "$findings" >&2
  echo "security: detect-secrets found the potential secret(s) above; remove them (use the Key Vault)" >&2
  exit 1
fi

echo "==> security: checkov $passed passed, 0 failed, $skipped skipped (inline, with reasons); detect-secrets clean" >&2
