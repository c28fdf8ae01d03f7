#!/usr/bin/env bash
# Checks that every C++ file of the repository is formatted as .clang-format says (clang-format 14, Debian
# 12's) and that no comment line is longer than the 110 columns the formatter keeps code to (comments are
# not reflowed: tables and formulas in them keep their lines). `make test` runs it (CTest "format").
# Fix a file with: clang-format -i FILE
set -euo pipefail
cd "$(dirname "$0")/.."
mapfile -t files < <(git ls-files 'src/*.h' 'src/*.cpp' 'tests/*.h' 'tests/*.cpp' 'bench/*.h' 'bench/*.cpp' 'fuzz/*.h' 'fuzz/*.cpp' 2>/dev/null ||
    find src tests bench fuzz -name '*.h' -o -name '*.cpp')
status=0
if ! clang-format --dry-run -Werror "${files[@]}" 2> /tmp/check_format.$$; then
    grep -E '^[^ ].*(warning|error):' /tmp/check_format.$$ | head -20
    echo "check_format: run clang-format -i on the files above"
    status=1
fi
rm -f /tmp/check_format.$$
# Comment lines, counted in characters (not bytes: the comments use · ᵀ → ...); perl is part of every Debian.
if perl -CSD -ne 'if (/^\s*\/\// && length($_) - 1 > 110) { printf "%s:%d: comment of %d columns\n", $ARGV, $., length($_) - 1; $bad = 1 } close ARGV if eof; END { exit $bad ? 1 : 0 }' "${files[@]}"; then
    :
else
    status=1
fi
[ "$status" -eq 0 ] && echo "check_format: ${#files[@]} files formatted"
exit $status
