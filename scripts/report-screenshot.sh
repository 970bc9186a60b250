#!/usr/bin/env bash
# Screenshot of an example per-project report for the docs (docs/images/report-example.png), taken
# with headless Chromium from Debian's packages (`apt-get install -y chromium`). The HTML is the
# one the report mail carries, rendered by scripts/example-report.ts with the real renderer.
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-docs/images/report-example.png}"
browser="$(command -v chromium || command -v chromium-browser || true)"
if [ -z "$browser" ]; then
  echo "report-screenshot: chromium not found; install it with: apt-get install -y chromium" >&2
  exit 1
fi
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
node --import tsx scripts/example-report.ts "$work/report.html"
mkdir -p "$(dirname "$out")"
# --no-sandbox: Chromium refuses to run as root with its sandbox (CI containers run as root).
"$browser" --headless --no-sandbox --disable-gpu --hide-scrollbars --no-first-run \
  --user-data-dir="$work/profile" --window-size=1100,790 --screenshot="$out" "file://$work/report.html" 2>"$work/chromium.log" || {
  cat "$work/chromium.log" >&2
  exit 1
}
echo "report-screenshot: wrote $out"
