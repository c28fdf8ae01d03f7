# Shared by the demo and the experiment scripts (sourced; they run from the repository root).

# field FILE KEY: the first number stored under "KEY" in a JSON file.
field() { grep -o "\"$2\": *[0-9.eE+-]*" "$1" | head -1 | sed 's/.*: *//'; }

# need FILE SCRIPT: stop with exit code 2 unless FILE exists (the output of `make demo` the script builds on).
need() { [ -e "$1" ] || { echo "$2: run scripts/demo.sh (make demo) first: it needs $1" >&2; exit 2; }; }
