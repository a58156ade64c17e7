#!/usr/bin/env bash
# Installs and starts what `make run` or `make test` needs and a fresh Debian machine lacks.
#   scripts/setup-machine.sh run    Python's venv module and npm
#   scripts/setup-machine.sh test   the above, Debian's Chromium and fonts, a running PostgreSQL,
#                                   as root haproxy and iproute2 (tests/test_cluster.py)
# As root with apt it installs what is missing; otherwise it stops with one line naming it.
set -euo pipefail
mode=${1:-test}
PYTHON=${PYTHON:-python3}
PG_HOST=127.0.0.1
PG_PORT=5432

can_install() { [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; }
# The tests need a local PostgreSQL unless given a server or told to use SQLite only.
needs_postgres() {
  [ -z "${PAPERWIRE_TEST_POSTGRES:-}" ] || return 1
  case ",${PAPERWIRE_TEST_BACKENDS:-sqlite,postgres}," in *,postgres,*) return 0 ;; esac
  return 1
}
pg_up() { command -v pg_isready >/dev/null && pg_isready -q -h "$PG_HOST" -p "$PG_PORT"; }
# The newest cluster's version, or nothing (never fails: set -e and pipefail are on).
latest_cluster() { { ls /etc/postgresql 2>/dev/null || true; } | sort -V | tail -n 1; }

missing=()   # Debian packages to install
command -v "$PYTHON" >/dev/null || { echo "setup: $PYTHON not found: install Python 3.11 or newer" >&2; exit 1; }
"$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
  || { echo "setup: $PYTHON is older than 3.11: install Python 3.11 or newer" >&2; exit 1; }
"$PYTHON" -c 'import venv, ensurepip' 2>/dev/null || missing+=(python3-venv)
command -v npm >/dev/null || missing+=(nodejs npm)
if [ "$mode" = test ]; then
  chromium=${PAPERWIRE_CHROMIUM:-/usr/bin/chromium}
  [ -x "$chromium" ] || missing+=(chromium fonts-dejavu-core fonts-liberation)
  # A server is needed only when no PostgreSQL answers and this machine has no cluster to start.
  if needs_postgres && ! pg_up && [ -z "$(latest_cluster)" ]; then missing+=(postgresql); fi
  # tests/test_cluster.py builds hosts as network namespaces: only as root (else it skips).
  if can_install; then
    command -v haproxy >/dev/null || [ -x /usr/sbin/haproxy ] || missing+=(haproxy)
    command -v ip >/dev/null || [ -x /usr/sbin/ip ] || [ -x /sbin/ip ] || missing+=(iproute2)
  fi
fi

if [ ${#missing[@]} -gt 0 ]; then
  if ! can_install; then
    echo "setup: missing ${missing[*]}: install them (as root: apt-get install ${missing[*]}), then run make $mode again" >&2
    exit 1
  fi
  echo "setup: installing ${missing[*]} (apt-get)"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

[ "$mode" = test ] && needs_postgres || exit 0

if ! pg_up; then
  cluster=$(latest_cluster)
  if [ -z "$cluster" ] || ! can_install; then
    echo "setup: PostgreSQL is not running on $PG_HOST:$PG_PORT: start it (or set PAPERWIRE_TEST_BACKENDS=sqlite)" >&2
    exit 1
  fi
  echo "setup: starting PostgreSQL $cluster"
  pg_ctlcluster --skip-systemctl-redirect "$cluster" main start
  for _ in $(seq 1 30); do pg_up && break; sleep 1; done
  pg_up || { echo "setup: PostgreSQL $cluster did not start: see /var/log/postgresql" >&2; exit 1; }
fi

# The tests connect as postgres over TCP without a password (trust). A cluster that apt just
# made asks for one: allow loopback, only when it is this machine's own cluster and we are root.
if ! psql -h "$PG_HOST" -p "$PG_PORT" -U postgres -w -d postgres -Atqc 'select 1' >/dev/null 2>&1; then
  cluster=$(latest_cluster)
  hba=/etc/postgresql/$cluster/main/pg_hba.conf
  if [ -z "$cluster" ] || [ ! -w "$hba" ]; then
    echo "setup: PostgreSQL on $PG_HOST:$PG_PORT refuses user postgres without a password: allow trust for 127.0.0.1 in pg_hba.conf" >&2
    exit 1
  fi
  echo "setup: allowing user postgres over loopback without a password ($hba)"
  sed -i '1i host all postgres 127.0.0.1/32 trust\nhost all postgres ::1/128 trust' "$hba"
  pg_ctlcluster --skip-systemctl-redirect "$cluster" main reload
  sleep 1
fi
