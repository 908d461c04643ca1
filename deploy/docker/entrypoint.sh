#!/bin/sh
# Entrypoint of the image: `oshift <app> [arguments…]` runs dist/apps/<app>/main.js with the arguments;
# `oshift migrate` is `oshift admin migrate`. Node replaces the shell, so signals reach the app.
set -eu
DIST="${OSHIFT_DIST:-/srv/dist/apps}"
apps() { for dir in "$DIST"/*/; do [ -f "$dir/main.js" ] && printf "%s " "$(basename "$dir")"; done; }
if [ $# -eq 0 ] || [ "$1" = "--help" ] || [ "$1" = "-h" ]; then
  echo "usage: oshift <app> [arguments…]; apps: $(apps)(and migrate = admin migrate)" >&2
  [ $# -eq 0 ] && exit 2 || exit 0
fi
app="$1"
shift
if [ "$app" = "migrate" ]; then
  app="admin"
  set -- migrate "$@"
fi
case "$app" in
  */* | .*) echo "oshift: unknown app \"$app\"; apps: $(apps)" >&2; exit 2 ;;
esac
if [ ! -f "$DIST/$app/main.js" ]; then
  echo "oshift: unknown app \"$app\"; apps: $(apps)" >&2
  exit 2
fi
exec node "$DIST/$app/main.js" "$@"
