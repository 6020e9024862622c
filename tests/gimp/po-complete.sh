#!/bin/sh
# Fails when a user-visible string of the plug-in has no German translation (or only a fuzzy
# one): extracts the strings from po/POTFILES.in as meson's i18n module does, merges them into
# po/de.po in a scratch folder and counts what is missing.
#
# usage: po-complete.sh SOURCE_ROOT
set -eu
root=$1
work=$(mktemp -d "${TMPDIR:-/tmp}/gimp-neural-style-po.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM
cd "$root"
grep -v '^#' po/POTFILES.in | grep -v '^$' >"$work/files"
xgettext --from-code=UTF-8 --keyword=_ --keyword=N_ --keyword=C_:1c,2 --keyword=NC_:1c,2 \
  -o "$work/all.pot" -f "$work/files"
msgmerge --quiet --no-fuzzy-matching -o "$work/de.po" po/de.po "$work/all.pot"
msgfmt --check --statistics -o /dev/null "$work/de.po" 2>"$work/stats"
cat "$work/stats"
missing=$(msgattrib --untranslated --no-obsolete "$work/de.po" | grep -c '^msgid' || true)
fuzzy=$(msgattrib --only-fuzzy --no-obsolete "$work/de.po" | grep -c '^msgid' || true)
# msgattrib prints the header entry too when anything is selected.
[ "$missing" -gt 0 ] && missing=$((missing - 1))
[ "$fuzzy" -gt 0 ] && fuzzy=$((fuzzy - 1))
if [ "$missing" -ne 0 ] || [ "$fuzzy" -ne 0 ]; then
  msgattrib --untranslated --no-obsolete "$work/de.po" | grep -A2 '^msgid' || true
  echo "FAIL German translation: $missing untranslated, $fuzzy fuzzy"
  exit 1
fi
echo "PASS German translation complete"
