# Shared by the per-seed scripts (sourced from the repository root after scripts/lib.sh).
#
# Each seed script trains its experiments' shape with the demo's recipe (configs/train/lora_tiny.toml) on
# the demo's data (make demo) once per training seed, sweeps every run at the precisions the seed reports,
# and writes one table per seed table into docs/RESULTS.md between the markers
# `<!-- seeds/NAME begin -->` and `<!-- seeds/NAME end -->` (appended at the end the first time).
# Runs that finished are kept, so a script stopped anywhere resumes where it was. Environment:
#   SEEDS      training seeds (default "42 1 7"; 42 is the demo's own)
#   MAX_STEPS  override the recipe's 600 steps (a quick smoke run of the plumbing; its tables are not results)
#   RESULTS    the file the tables go into (default docs/RESULTS.md)
#   RUNS       where the runs go (default runs/seeds)

read -r -a train_seeds <<< "${SEEDS:-42 1 7}"
if [ "${#train_seeds[@]}" -lt 2 ]; then
    echo "SEEDS=\"${SEEDS:-}\": give at least two training seeds (the tables are over seeds)" >&2
    exit 2
fi
demo_data=runs/demo/data
results_file=${RESULTS:-docs/RESULTS.md}
seed_runs=${RUNS:-runs/seeds}

# train_per_seed OUT FLAGS...: the demo's recipe with FLAGS once per training seed, into OUT/s<seed>
# (kept when its train_results.json exists).
train_per_seed() {
    local out=$1 s dir
    shift
    for s in "${train_seeds[@]}"; do
        dir=$out/s$s
        [ -f "$dir/train_results.json" ] && continue
        mkdir -p "$out"
        echo "  train $out seed $s: $*" >&2
        "$bin" train --config configs/train/lora_tiny.toml --train_file "$demo_data/train.json" \
            --output_dir "$dir" --overwrite_output_dir --logging_steps 100 --seed "$s" \
            ${MAX_STEPS:+--max_steps "$MAX_STEPS"} "$@" > "$dir.train.log" 2>&1 ||
            { echo "train failed, see $dir.train.log" >&2; tail -3 "$dir.train.log" >&2; return 1; }
    done
}

# sweep_per_seed OUT NAME SWEEP_FLAGS...: each run of OUT swept with SWEEP_FLAGS (--uniform 8 4, --precision
# 8,8,6 ...) on the dev split, into OUT/s<seed>/NAME (kept when done).
sweep_per_seed() {
    local out=$1 name=$2 s dir
    shift 2
    for s in "${train_seeds[@]}"; do
        dir=$out/s$s
        [ -f "$dir/$name/sweep.jsonl" ] && continue
        "$bin" sweep --model "$dir" --validation_file "$demo_data/dev.json" "$@" \
            --output_dir "$dir/$name" > /dev/null 2> "$dir.$name.log" ||
            { echo "sweep failed, see $dir.$name.log" >&2; return 1; }
    done
}

# seed_cells OUT NAME CONFIG: "F1 mean ± sd [95% t-interval of the mean] | EM mean ± sd" of CONFIG over
# the runs of OUT, from their sweeps NAME (`bitswitch seeds`).
seed_cells() {
    local sweeps=() s
    for s in "${train_seeds[@]}"; do sweeps+=("$1/s$s/$2/sweep.jsonl"); done
    # The CSV quotes a config with commas (a per-block list): match the first field either way, then split
    # the numbers after it.
    "$bin" seeds "${sweeps[@]}" -o csv | awk -v c="$3" '{
        plain = c ","; quoted = "\"" c "\","
        if (index($0, quoted) == 1) rest = substr($0, length(quoted) + 1)
        else if (index($0, plain) == 1) rest = substr($0, length(plain) + 1)
        else next
        split(rest, f, ",")
        printf "%.2f ± %.2f [%.2f, %.2f] | %.2f ± %.2f", f[2], f[3], f[11], f[12], f[6], f[7]
        found = 1 }
        END { if (!found) { printf "no config %s | -", c; print "seed_cells: no config " c > "/dev/stderr" } }'
}

# cells_legend: how to read the cells seed_cells writes (the sentence every seed table carries).
cells_legend() {
    echo "Cells: F1 mean ± sd over the training seeds with the 95% Student-t interval of the mean in"
    echo "brackets (training noise), then EM mean ± sd; one run's own bootstrap interval over the 1,338 dev"
    echo "questions is about ±2.5 F1 (question noise)."
}

# provenance SCRIPT: the line under each table: command, date, machine, binary commit, seeds.
provenance() {
    printf "Command: \`%s\` — %s, %s (%s, %s cores), commit %s, training seeds %s%s\n" "$1" \
        "$(date -u "+%Y-%m-%d %H:%M UTC")" "$(uname -n)" "$(lscpu | sed -n "s/^Model name: *//p")" \
        "$(nproc)" "$(git rev-parse --short HEAD)" \
        "${train_seeds[*]}" "${MAX_STEPS:+, MAX_STEPS=$MAX_STEPS (smoke run, not a result)}"
}

# results_section NAME FILE: FILE's text between NAME's markers in the results file (written to a temporary
# file, then renamed: an interrupted script never leaves the results half-written).
results_section() {
    local begin="<!-- seeds/$1 begin -->" end="<!-- seeds/$1 end -->" tmp
    tmp=$(mktemp "$results_file.XXXXXX")
    if grep -qF "$begin" "$results_file"; then
        awk -v b="$begin" -v e="$end" -v f="$2" '
            $0 == b { print; while ((getline line < f) > 0) print line; skip = 1; next }
            $0 == e { skip = 0 }
            !skip' "$results_file" > "$tmp"
    else
        { cat "$results_file"; printf '\n%s\n' "$begin"; cat "$2"; printf '%s\n' "$end"; } > "$tmp"
    fi
    mv "$tmp" "$results_file"
}
