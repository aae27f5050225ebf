#!/bin/sh
# Set up optout in .venv beside this script (once, and again when pyproject.toml changes), make sure a
# Chromium is available, then run:   ./run.sh demo [ARGS...]   |   ./run.sh test [PYTEST ARGS...]   |
# ./run.sh optout ARGS...
# `demo` and `optout` run in the directory you called this script from, so that relative paths you give
# (--out DIR, flow files) mean what they say; `test` runs in the repository.
set -eu
repo=$(cd "$(dirname "$0")" && pwd)
venv="$repo/.venv"

say() { printf '%s\n' "run.sh: $*" >&2; }

pick_python() {
    for candidate in python3 python; do
        if command -v "$candidate" >/dev/null 2>&1 &&
            "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 10))' 2>/dev/null; then
            echo "$candidate"
            return 0
        fi
    done
    say "Python 3.10 or newer is needed (Debian/Ubuntu: apt-get install python3 python3-venv)"
    exit 2
}

ensure_venv() {
    python=$(pick_python)
    if [ ! -x "$venv/bin/python" ]; then
        say "creating $venv"
        "$python" -m venv "$venv" || { say "cannot create a virtualenv (Debian/Ubuntu: apt-get install python3-venv)"; exit 2; }
    fi
    stamp="$venv/.optout-installed"
    want=$(cksum "$repo/pyproject.toml" | cut -d' ' -f1)
    if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
        say "installing optout and its test tools into $venv"
        "$venv/bin/python" -m pip install --quiet --upgrade pip >/dev/null 2>&1 || true
        (cd "$repo" && "$venv/bin/python" -m pip install --quiet -e '.[test]')
        echo "$want" >"$stamp"
    fi
}

# apt_install needed|optional [OPTION] PACKAGE...: apt-get install, as root or through sudo; false when
# there is no apt or it fails. An optional extra is installed quietly and never asks for a password.
apt_install() {
    need=$1
    shift
    sudo=""
    if [ "$(id -u)" -ne 0 ]; then
        sudo="sudo"
        [ "$need" = needed ] || sudo="sudo -n"
    fi
    command -v apt-get >/dev/null 2>&1 && { [ -z "$sudo" ] || command -v sudo >/dev/null 2>&1; } || return 1
    if [ "$need" = needed ]; then
        $sudo apt-get update -qq >/dev/null && $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
    else
        { $sudo apt-get update -qq && $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@"; } >/dev/null 2>&1
    fi
}

ensure_browser() {
    if "$venv/bin/python" -m optout.browser >/dev/null 2>&1; then
        ensure_shell
        ensure_ffmpeg
        return 0
    fi
    say "no Chromium found; installing one"
    apt_install needed chromium chromium-headless-shell || apt_install needed chromium ||
        apt_install needed chromium-browser || true
    if ! "$venv/bin/python" -m optout.browser >/dev/null 2>&1; then
        # Not Debian, or no root: Playwright's own build (needs its download server).
        "$venv/bin/python" -m playwright install chromium || true
    fi
    "$venv/bin/python" -m optout.browser >&2 || exit 2
    ensure_ffmpeg
}

# A run without a window is about twice as fast in Chromium's headless shell (Playwright's own build
# brings one; Debian packages it apart). Optional: tried once per .venv, never stops the script.
ensure_shell() {
    [ -z "${OPTOUT_BROWSER:-}" ] || return 0 # a browser named on purpose
    case "$("$venv/bin/python" -m optout.browser 2>/dev/null | head -n 1)" in
        *"headless shell"* | *"Playwright's Chromium"*) return 0 ;;
    esac
    tried="$venv/.shell-install-tried"
    [ ! -f "$tried" ] || return 0
    : >"$tried"
    say "installing Debian's chromium-headless-shell (runs without a window go faster with it)"
    apt_install optional --no-install-recommends chromium-headless-shell || say "no headless shell installed: runs use the whole browser"
    return 0
}

# Walkthroughs record video with Playwright's recorder, which needs an ffmpeg (optout.browser.video
# lends it Debian's when Playwright's own build was never downloaded). Without one only the video is
# missing, so this never stops the script.
ensure_ffmpeg() {
    if "$venv/bin/python" -m optout.browser.video >/dev/null 2>&1; then
        return 0
    fi
    # Tried once per .venv: an optional feature never asks for sudo on every run.
    tried="$venv/.ffmpeg-install-tried"
    [ ! -f "$tried" ] || return 0
    : >"$tried"
    say "no ffmpeg found (walkthrough videos need one); installing Debian's"
    apt_install optional --no-install-recommends ffmpeg || true
    "$venv/bin/python" -m optout.browser.video >/dev/null 2>&1 ||
        say "still no ffmpeg: walkthroughs will have no video (apt-get install --no-install-recommends ffmpeg)"
    return 0
}

# Commands optout prints for the person to run next start the way this script was called (no `optout`
# is on PATH: it lives in .venv/bin): `./run.sh optout verify --all`.
say_via() {
    case "$0" in
        */*) OPTOUT_VIA=$0 ;;
        *) OPTOUT_VIA=./$0 ;;
    esac
    export OPTOUT_VIA
}

command=${1:-}
[ $# -gt 0 ] && shift
case "$command" in
    demo)
        ensure_venv
        ensure_browser
        say_via
        exec "$venv/bin/optout" demo "$@"
        ;;
    test)
        ensure_venv
        ensure_browser
        cd "$repo"
        # Lint, format and types first (seconds), then the suite.
        "$venv/bin/python" -m ruff check . || exit 1
        "$venv/bin/python" -m ruff format --check . || exit 1
        "$venv/bin/python" -m mypy || exit 1
        exec "$venv/bin/python" -m pytest "$@"
        ;;
    optout)
        ensure_venv
        ensure_browser
        say_via
        exec "$venv/bin/optout" "$@"
        ;;
    *)
        echo "usage: ./run.sh demo [ARGS...] | ./run.sh test [PYTEST ARGS...] | ./run.sh optout ARGS..." >&2
        exit 2
        ;;
esac
