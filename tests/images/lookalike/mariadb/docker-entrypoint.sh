#!/bin/bash
# Look-alike of the official mariadb entrypoint: as root, own the data and socket directories and re-exec as mysql;
# on an empty datadir, install the system tables and create the root password, database and user from the env.
set -Eeuo pipefail

file_env() {  # MARIADB_X, MYSQL_X or their _FILE forms
  local name=$1 value=""
  for var in "MARIADB_$name" "MYSQL_$name"; do
    local file="${var}_FILE"
    if [ -n "${!var:-}" ]; then value=${!var}; break; fi
    if [ -n "${!file:-}" ]; then value=$(<"${!file}"); break; fi
  done
  export "MARIADB_$name"="$value"
}

sql() { mariadb --protocol=socket -uroot -hlocalhost --socket=/run/mysqld/mysqld.sock "$@"; }

init_database() {
  for name in ROOT_PASSWORD DATABASE USER PASSWORD; do file_env "$name"; done
  if [ -z "$MARIADB_ROOT_PASSWORD" ] && [ -z "${MARIADB_ALLOW_EMPTY_ROOT_PASSWORD:-}${MYSQL_ALLOW_EMPTY_PASSWORD:-}" ]; then
    echo "error: database is uninitialized and password option is not specified (MARIADB_ROOT_PASSWORD)" >&2
    exit 1
  fi
  mariadb-install-db --datadir=/var/lib/mysql --skip-test-db --auth-root-authentication-method=normal >/dev/null
  mariadbd --skip-networking --socket=/run/mysqld/mysqld.sock &
  local pid=$!
  for _ in $(seq 60); do sql -e 'SELECT 1' >/dev/null 2>&1 && break; sleep 0.5; done
  local escaped=${MARIADB_ROOT_PASSWORD//\'/\'\'}
  {
    echo "SET @@SESSION.SQL_LOG_BIN=0;"
    echo "DELETE FROM mysql.global_priv WHERE Host NOT IN ('localhost'); FLUSH PRIVILEGES;"
    echo "CREATE USER 'root'@'%' IDENTIFIED BY '$escaped'; GRANT ALL ON *.* TO 'root'@'%' WITH GRANT OPTION;"
    echo "ALTER USER 'root'@'localhost' IDENTIFIED BY '$escaped';"
    if [ -n "$MARIADB_DATABASE" ]; then echo "CREATE DATABASE IF NOT EXISTS \`$MARIADB_DATABASE\`;"; fi
    if [ -n "$MARIADB_USER" ]; then
      echo "CREATE USER '$MARIADB_USER'@'%' IDENTIFIED BY '${MARIADB_PASSWORD//\'/\'\'}';"
      if [ -n "$MARIADB_DATABASE" ]; then echo "GRANT ALL ON \`$MARIADB_DATABASE\`.* TO '$MARIADB_USER'@'%';"; fi
    fi
  } | sql
  kill "$pid"; wait "$pid" || true
  echo "MariaDB init process done. Ready for start up."
}

if [ "${1:0:1}" = '-' ]; then set -- mariadbd "$@"; fi
if [ "$1" = mariadbd ] || [ "$1" = mysqld ]; then
  if [ "$(id -u)" = 0 ]; then
    mkdir -p /var/lib/mysql /run/mysqld
    find /var/lib/mysql \! -user mysql -exec chown mysql:mysql '{}' +
    chown mysql:mysql /run/mysqld
    exec gosu mysql "$BASH_SOURCE" "$@"
  fi
  if [ ! -d /var/lib/mysql/mysql ]; then init_database; fi
fi
exec "$@"
