#!/bin/sh
# PostgreSQL in a container: a new cluster on first start, password authentication from the network
# (POSTGRES_PASSWORD), listening on every address; runs in the foreground as the postgres user.
set -eu
DATA=/var/lib/postgresql/data
if [ ! -s "$DATA/PG_VERSION" ]; then
  mkdir -p "$DATA" && chown postgres:postgres "$DATA"
  printf '%s\n' "$POSTGRES_PASSWORD" >/tmp/pw && chown postgres /tmp/pw
  su postgres -s /bin/sh -c "/usr/lib/postgresql/15/bin/initdb -D $DATA -U postgres --pwfile=/tmp/pw --auth-local=trust --auth-host=scram-sha-256 >/dev/null"
  rm -f /tmp/pw
  echo "host all all 0.0.0.0/0 scram-sha-256" >>"$DATA/pg_hba.conf"
fi
mkdir -p /var/run/postgresql && chown postgres:postgres /var/run/postgresql
exec su postgres -s /bin/sh -c "exec /usr/lib/postgresql/15/bin/postgres -D $DATA -c listen_addresses='*' -c max_connections=300 -c fsync=off"
