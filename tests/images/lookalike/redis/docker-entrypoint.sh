#!/bin/bash
# Look-alike of the official redis entrypoint: as root, own the files in /data and re-exec as redis.
set -e
if [ "${1#-}" != "$1" ] || [ "${1%.conf}" != "$1" ]; then set -- redis-server "$@"; fi
if [ "$1" = redis-server ] && [ "$(id -u)" = 0 ]; then
  find . \! -user redis -exec chown redis '{}' +
  exec gosu redis "$BASH_SOURCE" "$@"
fi
if [ "$1" = redis-server ]; then
  # Debian's redis-server defaults differ from the official build: listen everywhere, no protected mode, log to
  # stdout, and persist under the working directory (/data), as the official image does.
  shift
  set -- redis-server --bind '* -::*' --protected-mode no --daemonize no --logfile '' --dir /data "$@"
fi
exec "$@"
