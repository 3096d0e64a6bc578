#!/usr/bin/env bash
# A throwaway PostgreSQL for the metadata-database tests: Debian's server, TLS with a certificate made at start,
# listening on 127.0.0.1 only, TCP connections only over TLS. `start` prints the variables the tests read;
# `stop` stops it and removes its data. As root (CI): installs the package if missing and runs the server as the
# `postgres` user. Usage: eval "$(scripts/test_postgres.sh start DIR)"; ...; scripts/test_postgres.sh stop DIR
set -euo pipefail

action="${1:?usage: test_postgres.sh start|stop DIR}"
dir="${2:?usage: test_postgres.sh start|stop DIR}"
# A free port unless one is given, so runs on one machine (other worktrees, CI) never meet.
port="${TEST_POSTGRES_PORT:-$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')}"

bindir() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1; }
as_postgres() { runuser -u postgres -- "$@"; }

case "$action" in
  start)
    if [ -z "$(bindir)" ] || [ ! -x "$(bindir)/initdb" ]; then
      apt-get update -qq >&2
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postgresql openssl >&2
    fi
    bin="$(bindir)"
    rm -rf "$dir" && mkdir -p "$dir"
    chown postgres: "$dir" && chmod 700 "$dir"
    as_postgres "$bin/initdb" -D "$dir/data" -U postgres --auth-local=trust --auth-host=reject >/dev/null
    as_postgres openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj "/CN=localhost" \
      -keyout "$dir/server.key" -out "$dir/server.crt" 2>/dev/null
    chmod 600 "$dir/server.key"
    cat > "$dir/data/pg_hba.conf" <<HBA
local   all all                trust
hostssl all all 127.0.0.1/32   scram-sha-256
host    all all 127.0.0.1/32   reject
HBA
    as_postgres "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 start -o \
      "-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories=$dir -c ssl=on \
       -c ssl_cert_file=$dir/server.crt -c ssl_key_file=$dir/server.key -c max_connections=200 -c fsync=off" >&2
    echo "export TEST_POSTGRES_SOCKET_DIR=$dir TEST_POSTGRES_PORT=$port"
    ;;
  stop)
    bin="$(bindir)"
    if [ -n "$bin" ] && [ -f "$dir/data/postmaster.pid" ]; then
      as_postgres "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >&2 || true
    fi
    rm -rf "$dir"
    ;;
  *) echo "usage: test_postgres.sh start|stop DIR" >&2; exit 2 ;;
esac
