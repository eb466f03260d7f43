#!/usr/bin/env bash
# Smoke test of the built Linux app, as an office PC would run it: a clean environment
# (env -i, a fresh HOME, no uv, no virtualenv), no network (unshare -n where it works).
#
#   packaging/smoke.sh                      # the build output: dist/dabiao/dabiao
#   packaging/smoke.sh path/to/dabiao       # e.g. an unpacked tar.gz: /tmp/x/dabiao/dabiao
#   packaging/smoke.sh --deb dist/dabiao_0.1.0_amd64.deb
#                                           # dpkg -i (root), then the menu's command `dabiao`;
#                                           # removes the package again afterwards
#
# Runs --version, checklist validate on the bundled criteria, demo, report gap (and once
# more with the system fonts hidden, to prove the shipped font, when root), bundle export,
# checks nothing was written into the install folder and the data went to the per-user data
# folder, then opens the window under Xvfb (when installed) and saves a screenshot into
# build/smoke/. Exit code 0 only if every step passed.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VERSION="$(sed -n 's/^version *= *"\(.*\)"/\1/p' "$ROOT/pyproject.toml" | head -1)"
OUT="$ROOT/build/smoke"
mkdir -p "$OUT"

DEB=""
if [ "${1:-}" = "--deb" ]; then
    DEB="$(realpath "$2")"
    EXE="dabiao"
else
    EXE="$(realpath "${1:-$ROOT/dist/dabiao/dabiao}")"
fi

TMP="$(mktemp -d /tmp/dabiao-smoke.XXXXXX)"
XVFB_PID=""
APP_PID=""
cleanup() {
    [ -n "$APP_PID" ] && kill "$APP_PID" 2>/dev/null || true
    [ -n "$XVFB_PID" ] && kill "$XVFB_PID" 2>/dev/null || true
    rm -rf "$TMP"
}
trap cleanup EXIT

step() { printf '\n== %s\n' "$*"; }
fail() { echo "SMOKE FAILED: $*" >&2; exit 1; }

if [ -n "$DEB" ]; then
    step "dpkg -i $(basename "$DEB")"
    [ "$(id -u)" -eq 0 ] || fail "--deb needs root"
    dpkg -i "$DEB"
    dpkg -s dabiao | grep -E '^(Version|Depends):'
    command -v dabiao >/dev/null || fail "no dabiao command after installing"
    [ -f /usr/share/applications/dabiao.desktop ] || fail "no desktop entry"
    grep -E '^(Name|Comment|Exec|Icon)=' /usr/share/applications/dabiao.desktop
    if command -v desktop-file-validate >/dev/null; then
        desktop-file-validate /usr/share/applications/dabiao.desktop && echo "desktop entry valid"
    fi
    [ -f /usr/share/icons/hicolor/256x256/apps/dabiao.png ] || fail "no icon"
    EXEC="$(sed -n 's/^Exec=//p' /usr/share/applications/dabiao.desktop)"
    [ -x "$EXEC" ] || fail "the menu entry's Exec ($EXEC) is not executable"
    for s in preinst postinst prerm postrm; do
        [ ! -e "/var/lib/dpkg/info/dabiao.$s" ] || fail "maintainer script $s present (must not touch user data)"
    done
    INSTALL_DIR=/opt/dabiao
else
    [ -x "$EXE" ] || fail "$EXE is not an executable (build first: uv run --group build python packaging/build.py)"
    INSTALL_DIR="$(dirname "$EXE")"
fi

HOME_DIR="$TMP/home"
mkdir -p "$HOME_DIR"
NET=()
if unshare -n true 2>/dev/null; then NET=(unshare -n); fi
# A bare environment: only PATH and HOME; no uv, no virtualenv, no network.
run() { "${NET[@]}" env -i PATH=/usr/bin:/bin HOME="$HOME_DIR" "$@"; }
echo "app: $EXE ($INSTALL_DIR), network: ${NET[*]:-(unshare -n unavailable: not isolated)}"
touch "$TMP/stamp"
sleep 1

step "--version"
got="$(run "$EXE" --version)"
echo "$got"
[ "$got" = "达标 Dabiao $VERSION" ] || fail "--version printed '$got', expected '达标 Dabiao $VERSION'"

step "checklist validate (bundled criteria)"
LIB="$INSTALL_DIR/_internal/checklists/library"
ls "$LIB"/*.yaml >/dev/null || fail "no bundled criteria in $LIB"
run "$EXE" checklist validate "$LIB"/*.yaml

step "demo (default data folder)"
ID="$(run "$EXE" demo)"
echo "assessment $ID"
DATA="$HOME_DIR/.local/share/Dabiao"  # platformdirs user_data_dir("Dabiao")
[ -d "$DATA" ] || fail "no workspace in the per-user data folder $DATA"
echo "workspace: $DATA ($(du -sh "$DATA" | cut -f1))"
run "$EXE" assessment list

step "report gap"
run "$EXE" report gap "$ID" --out "$TMP/gap.pdf"
head -c 5 "$TMP/gap.pdf" | grep -q '%PDF-' || fail "gap report is not a PDF"
cp "$TMP/gap.pdf" "$OUT/gap.pdf"
if command -v pdffonts >/dev/null; then pdffonts "$TMP/gap.pdf" | tail -n +3 | awk '{print "  font:", $1}' | sort -u; fi

if [ "$(id -u)" -eq 0 ] && unshare -m true 2>/dev/null; then
    step "report gap with no system fonts (the shipped WenQuanYi Micro Hei)"
    mkdir -p "$TMP/empty"
    unshare -m sh -c "mount --bind '$TMP/empty' /usr/share/fonts && \
        ${NET[*]} env -i PATH=/usr/bin:/bin HOME='$HOME_DIR' '$EXE' report gap '$ID' --out '$TMP/gap-shipped.pdf'"
    if command -v pdffonts >/dev/null; then
        pdffonts "$TMP/gap-shipped.pdf" | tail -n +3 | awk '{print "  font:", $1}' | sort -u
        pdffonts "$TMP/gap-shipped.pdf" | grep -qi 'wqy\|WenQuanYi' || fail "the shipped font was not used"
    fi
fi

step "bundle export"
run "$EXE" bundle export --kind submission "$ID" --out "$TMP/town.dabiao"
head -c 2 "$TMP/town.dabiao" | grep -q 'PK' || fail "bundle is not a zip"
echo "bundle: $(stat -c %s "$TMP/town.dabiao") bytes"

step "nothing written into the install folder"
changed="$(find "$INSTALL_DIR" -newer "$TMP/stamp" 2>/dev/null | head -5)"
[ -z "$changed" ] || fail "written into $INSTALL_DIR: $changed"
echo "ok"

if command -v Xvfb >/dev/null && command -v xdotool >/dev/null; then
    step "window under Xvfb"
    DISPLAY_NUM=":$((90 + RANDOM % 9))"
    Xvfb "$DISPLAY_NUM" -screen 0 1366x768x24 -nolisten tcp >/dev/null 2>&1 &
    XVFB_PID=$!
    for _ in $(seq 50); do DISPLAY="$DISPLAY_NUM" xdotool getdisplaygeometry >/dev/null 2>&1 && break; sleep 0.1; done
    t0=$(date +%s.%N)
    "${NET[@]}" env -i PATH=/usr/bin:/bin HOME="$HOME_DIR" DISPLAY="$DISPLAY_NUM" "$EXE" >"$TMP/app.log" 2>&1 &
    APP_PID=$!
    shown=""
    for _ in $(seq 1500); do
        if DISPLAY="$DISPLAY_NUM" xdotool search --onlyvisible --class '^Dabiao$' >/dev/null 2>&1; then shown=1; break; fi
        kill -0 "$APP_PID" 2>/dev/null || break
        sleep 0.02
    done
    t1=$(date +%s.%N)
    [ -n "$shown" ] || { cat "$TMP/app.log"; fail "the window was not shown"; }
    echo "window shown after $(echo "$t1 - $t0" | bc) s"
    sleep 3  # let it paint and open the last assessment
    name="screenshot-$([ -n "$DEB" ] && echo deb || echo build).png"
    if command -v xwd >/dev/null && command -v convert >/dev/null; then
        DISPLAY="$DISPLAY_NUM" xwd -root -silent | convert xwd:- "$OUT/$name"
        echo "screenshot: $OUT/$name"
    fi
    DISPLAY="$DISPLAY_NUM" xdotool search --onlyvisible --class '^Dabiao$' getwindowname %@ || true
    kill "$APP_PID"; wait "$APP_PID" 2>/dev/null || true; APP_PID=""
    kill "$XVFB_PID"; wait "$XVFB_PID" 2>/dev/null || true; XVFB_PID=""
    if grep -v '^$' "$TMP/app.log" >/dev/null; then echo "app output:"; sed 's/^/  /' "$TMP/app.log"; fi
else
    step "window: skipped (needs Xvfb and xdotool: apt-get install xvfb xdotool x11-apps)"
fi

if [ -n "$DEB" ]; then
    step "dpkg -r keeps user data"
    dpkg -r dabiao >/dev/null
    [ ! -e /opt/dabiao/dabiao ] || fail "/opt/dabiao still there after removal"
    [ -f "$DATA/dabiao.db" ] || ls "$DATA" | grep -q . || fail "user data gone after dpkg -r"
    echo "user data still in $DATA: $(ls "$DATA" | tr '\n' ' ')"
fi

printf '\nSMOKE PASSED (%s)\n' "${DEB:-$EXE}"
