#!/usr/bin/env bash
# Installs the Debian/Ubuntu packages TradeFollow needs outside Python, only those missing.
#   scripts/system_deps.sh            runtime: CJK fonts, HarfBuzz subsetter, WeasyPrint's Pango
#   scripts/system_deps.sh --browser  plus Debian's chromium for the browser tests
# Fast when nothing is missing (one dpkg query), so `make run` can call it every time.
set -euo pipefail

runtime=(
  fonts-noto-cjk        # Noto Sans CJK SC: Chinese text in PDFs
  libharfbuzz-subset0   # fast font subsetting in WeasyPrint (else seconds per Chinese page)
  libpango-1.0-0        # WeasyPrint's text layout
  libpangoft2-1.0-0
  shared-mime-info
  gettext               # msgfmt/msgmerge for the translation catalogs
  nodejs                # npm installs htmx and Bootstrap into webapp/static/vendor
  npm
  pgbouncer             # tests: RLS under PgBouncer's transaction pooling (the app does not need it)
)
browser=(chromium poppler-utils)  # tests and reviews: a real browser, PDF pages as PNG

wanted=("${runtime[@]}")
[[ "${1:-}" == "--browser" ]] && wanted+=("${browser[@]}")

missing=()
for pkg in "${wanted[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$pkg")
  fi
done
# node/npm may come from elsewhere than Debian (nvm, nodesource): a working binary is enough.
if command -v npm >/dev/null 2>&1; then
  filtered=()
  for pkg in "${missing[@]}"; do [[ "$pkg" == nodejs || "$pkg" == npm ]] || filtered+=("$pkg"); done
  missing=("${filtered[@]+"${filtered[@]}"}")
fi

[[ ${#missing[@]} -eq 0 ]] && exit 0

if ! command -v apt-get >/dev/null 2>&1; then
  echo "ERROR: missing system packages: ${missing[*]}" >&2
  echo "       This is not a Debian/Ubuntu system; install the equivalents by hand." >&2
  exit 1
fi

sudo=""
if [[ $(id -u) -ne 0 ]]; then
  if command -v sudo >/dev/null 2>&1; then sudo="sudo"; else
    echo "ERROR: missing system packages: ${missing[*]}" >&2
    echo "       Run as root or install them: apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
fi

echo "Installing system packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq || true
failed=()
for pkg in "${missing[@]}"; do
  $sudo apt-get install -y -qq --no-install-recommends "$pkg" >/dev/null || failed+=("$pkg")
done
if [[ ${#failed[@]} -gt 0 ]]; then
  echo "ERROR: could not install system package(s): ${failed[*]}" >&2
  echo "       Install them with your package manager, then run the command again." >&2
  exit 1
fi
