# Sourced by scripts/*: puts the pinned pnpm on PATH and sets the build environment.
# Nothing here prompts; everything it installs comes from the npm registry or Debian.
SEALBOX_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
export SEALBOX_ROOT
export TURBO_TELEMETRY_DISABLED=1 NEXT_TELEMETRY_DISABLED=1 DO_NOT_TRACK=1
export npm_config_nodedir="${npm_config_nodedir:-/usr}"   # better-sqlite3 builds against the system headers
export PNPM_VERSION=12.4.2
export PATH="$SEALBOX_ROOT/.tools/node_modules/.bin:$PATH"

log() { printf '\033[1m[sealbox]\033[0m %s\n' "$*" >&2; }

ensure_pnpm() {
  if [ "$(pnpm --version 2>/dev/null)" != "$PNPM_VERSION" ]; then
    log "installing pnpm $PNPM_VERSION into .tools/"
    mkdir -p "$SEALBOX_ROOT/.tools"
    (cd "$SEALBOX_ROOT/.tools" && [ -f package.json ] || echo '{"private":true}' > "$SEALBOX_ROOT/.tools/package.json")
    npm install --prefix "$SEALBOX_ROOT/.tools" --no-audit --no-fund --silent -E "pnpm@$PNPM_VERSION" >&2
  fi
}

ensure_deps() {
  ensure_pnpm
  local stamp="$SEALBOX_ROOT/node_modules/.sealbox-install-stamp"
  if [ ! -f "$stamp" ] || [ "$SEALBOX_ROOT/pnpm-lock.yaml" -nt "$stamp" ]; then
    log "installing dependencies (pnpm install --frozen-lockfile)"
    (cd "$SEALBOX_ROOT" && CI=true pnpm install --frozen-lockfile --reporter=append-only) >&2
    touch "$stamp"
  fi
}

# Debian packages, installed only when missing (root needs no sudo; others get sudo).
ensure_apt() {
  local missing=()
  local pkg
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  log "installing Debian packages: ${missing[*]}"
  local sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  # postfix is here only for the ingest benchmark's own throwaway instance: "No configuration"
  # writes no main.cf, so the package never starts a system Postfix on port 25.
  if [[ " ${missing[*]} " == *" postfix "* ]]; then
    echo "postfix postfix/main_mailer_type select No configuration" | $sudo debconf-set-selections
  fi
  $sudo apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
}
