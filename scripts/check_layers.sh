#!/usr/bin/env bash
# Checks the layering of docs/ARCHITECTURE.md on the source tree; `make test` runs it (CTest "layers").
#   1. A folder of src/bitswitch includes only folders of a lower layer (no back arrows, no sideways
#      arrows between folders of one layer):
#        core < kernels, text, report < ops, parallel < quant < model < data < eval < attack < train, analysis, serve
#      src/cli may include anything.
#   2. kernels/ and core/ headers are free of libtorch (torch, ATen, c10).
#   3. quant/ names no GPT-2 layer in its code (comments may show them as examples): it works on the units a
#      model declares.
# Prints every violation as FILE:LINE: what, and exits 1 if there is any.
set -euo pipefail
cd "$(dirname "$0")/.."

declare -A rank=(
    [core]=0
    [kernels]=1 [text]=1 [report]=1
    [ops]=2 [parallel]=2
    [quant]=3
    [model]=4
    [data]=5
    [eval]=6
    [attack]=7
    [train]=8 [analysis]=8 [serve]=8
)
status=0
fail() {
    echo "$1"
    status=1
}

for dir in src/bitswitch/*/; do
    folder=$(basename "$dir")
    [ -n "${rank[$folder]+x}" ] || fail "$dir: folder without a layer: add it to scripts/check_layers.sh and docs/ARCHITECTURE.md"
done

while IFS= read -r hit; do
    file=${hit%%:*}
    rest=${hit#*:}
    line=${rest%%:*}
    folder=$(echo "$file" | cut -d/ -f3)
    target=$(echo "$rest" | sed -E 's|.*#include "bitswitch/([a-z_]+)/.*|\1|')
    [ "$folder" = "$target" ] && continue
    if [ -z "${rank[$target]+x}" ]; then
        fail "$file:$line: includes unknown folder $target"
    elif [ "${rank[$target]}" -ge "${rank[$folder]}" ]; then
        fail "$file:$line: $folder (layer ${rank[$folder]}) includes $target (layer ${rank[$target]}): a back or sideways arrow"
    fi
done < <(grep -rn --include='*.h' --include='*.cpp' '#include "bitswitch/' src/bitswitch || true)

while IFS= read -r hit; do
    fail "$hit: libtorch in a torch-free header"
done < <(grep -rnE --include='*.h' '#include [<"](torch|ATen|c10)/' src/bitswitch/kernels src/bitswitch/core || true)
while IFS= read -r hit; do
    fail "$hit: libtorch in kernels/ (torch-free by design)"
done < <(grep -rnE '#include [<"](torch|ATen|c10)/' src/bitswitch/kernels || true)

# Code lines only: drop // comments and the inside of string literals is kept (messages count as code).
while IFS= read -r hit; do
    fail "$hit: a GPT-2 layer name in quant/ (resolve against the model's units instead)"
done < <(grep -rnE --include='*.h' --include='*.cpp' '' src/bitswitch/quant |
    sed -E 's|^([^:]+:[0-9]+:)[[:space:]]*//.*|\1|; s|^([^:]+:[0-9]+:.*[^:])//.*|\1|' |
    grep -E 'c_attn|c_proj|c_fc|qa_outputs|attn\.kv|\bh\.[0-9{*]|[Gg]pt2|GPT-2' || true)

if [ "$status" -eq 0 ]; then echo "check_layers: no back arrows; kernels and core headers torch-free; quant/ model-agnostic"; fi
exit $status
