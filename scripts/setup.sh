#!/bin/sh
# npm run setup: installs what the demo and the tests need and is missing, then the npm packages.
#   Debian packages: nats-server, postgresql (skipped when NATS_URL / DATABASE_URL point at running
#   servers), chromium (dashboard browser tests), poppler-utils (pdftotext for the dossier test),
#   fonts-dejavu-core, fonts-droid-fallback, fonts-symbola (fonts the dossier PDF embeds).
# Works as root without sudo (a container) and as a user with sudo; installs nothing present.
# IM_SETUP_SKIP_APT=1 skips the Debian part (then it only says what is missing).
set -eu
cd "$(dirname "$0")/.."

have() { command -v "$1" >/dev/null 2>&1; }
have_nats() { have nats-server || [ -x /usr/sbin/nats-server ]; }
have_postgres() {
  if have postgres && have initdb; then return 0; fi
  for bin in /usr/lib/postgresql/*/bin/postgres; do
    if [ -x "$bin" ] && [ -x "$(dirname "$bin")/initdb" ]; then return 0; fi
  done
  return 1
}
have_font() { for d in ${IM_SETUP_FONT_DIRS:-/usr/share/fonts/truetype /usr/share/fonts/TTF}; do [ -f "$d/$1" ] && return 0; done; return 1; }

missing=""
add() { missing="$missing $1"; }
[ -n "${NATS_URL:-}" ] || have_nats || add nats-server
[ -n "${DATABASE_URL:-}" ] || have_postgres || add postgresql
[ -x "${CHROMIUM_PATH:-/usr/bin/chromium}" ] || add chromium
have pdftotext || add poppler-utils
have_font dejavu/DejaVuSans.ttf || add fonts-dejavu-core
have_font droid/DroidSansFallbackFull.ttf || add fonts-droid-fallback
{ have_font ancient-scripts/Symbola_hint.ttf || have_font ancient-scripts/Symbola.ttf; } || add fonts-symbola

if [ -z "$missing" ]; then
  echo "setup: every Debian package needed is present"
elif [ "${IM_SETUP_SKIP_APT:-}" = "1" ]; then
  echo "setup: missing Debian packages:$missing (IM_SETUP_SKIP_APT=1, not installing)" >&2
else
  if [ "$(id -u)" -eq 0 ]; then
    as_root=""
  elif have sudo; then
    as_root="sudo"
  else
    echo "setup: missing Debian packages:$missing" >&2
    echo "setup: not root and no sudo: install them (apt-get install$missing) or set NATS_URL / DATABASE_URL to running servers (docker compose up -d nats postgres)" >&2
    exit 1
  fi
  echo "setup: installing$missing"
  $as_root apt-get update
  # shellcheck disable=SC2086
  $as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $missing
fi

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "setup: installing npm packages (npm ci)"
  npm ci --no-audit --no-fund
else
  echo "setup: npm packages are installed"
fi
echo "setup: done; npm run demo runs the sample idea end to end, npm start keeps the stack up"
