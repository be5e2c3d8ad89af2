# shellcheck shell=bash
# Named pieces and their summary, for scripts that run several checks and
# report each (scripts/test-windows.sh, scripts/check-wheels.sh). Sourced:
#   piece NAME COMMAND ...   run it; record ok/FAILED and its time; its status
#   not_run NAME REASON      record a piece that could not start, as FAILED
#   pieces_finish TITLE WHO  print the table and the total, then exit: 1
#                            naming the failed pieces, else 0
# The pieces are functions that piece() calls: shellcheck cannot see that.
# shellcheck disable=SC2317
pieces_t0=$SECONDS
summary=()
failed=()

piece() {
    local name=$1 t0=$SECONDS rc
    shift
    echo
    echo "== $name"
    "$@"
    rc=$?
    if [ $rc -eq 0 ]; then
        summary+=("$(printf '  ok      %-28s %4d s' "$name" $((SECONDS - t0)))")
    else
        summary+=("$(printf '  FAILED  %-28s %4d s  (exit %d)' "$name" $((SECONDS - t0)) $rc)")
        failed+=("$name")
    fi
    return $rc
}

not_run() {
    summary+=("$(printf '  FAILED  %-28s    - s  (not run: %s)' "$1" "$2")")
    failed+=("$1")
}

pieces_finish() {
    local total=$((SECONDS - pieces_t0))
    echo
    echo "== $1"
    printf '%s\n' "${summary[@]}"
    echo "  total: ${total} s ($((total / 60)) min $((total % 60)) s)"
    if [ ${#failed[@]} -gt 0 ]; then
        echo "$2: FAILED: ${failed[*]}"
        exit 1
    fi
    echo "$2: all green"
    exit 0
}
