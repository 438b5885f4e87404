#!/bin/bash
# Look-alike of the official image's healthcheck.sh: --connect (the server answers over TCP) and
# --innodb_initialized (the storage engine is up), checked by one query as the health-check user or root.
set -eu
password=${MARIADB_ROOT_PASSWORD:-${MYSQL_ROOT_PASSWORD:-}}
file=${MARIADB_ROOT_PASSWORD_FILE:-${MYSQL_ROOT_PASSWORD_FILE:-}}
if [ -z "$password" ] && [ -n "$file" ]; then password=$(<"$file"); fi
exec mariadb -uroot -h127.0.0.1 --password="$password" -e "SELECT 1 FROM information_schema.ENGINES WHERE ENGINE='InnoDB'" >/dev/null
