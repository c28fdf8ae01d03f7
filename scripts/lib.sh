# Shared by the demo and the experiment scripts (sourced; they run from the repository root).

# field FILE KEY: the first number stored under "KEY" in a JSON file.
field() { grep -o "\"$2\": *[0-9.eE+-]*" "$1" | head -1 | sed 's/.*: *//'; }

# random_gpt2_124m BITSWITCH DIR: a model of GPT-2-124M's shapes with random weights at DIR (made once), for
# what speed and size do not need trained weights for: the low-bit benchmarks, the server load, latency tables.
random_gpt2_124m() {
    [ -f "$2/model.safetensors" ] || "$1" pretrain --corpus assets/data/squad-v1.1-train-subset.json \
        --output_dir "$2" --max_steps 0 --seq_length 64 --per_device_train_batch_size 1 --save_dtype f32 > /dev/null
}

# need FILE SCRIPT: stop with exit code 2 unless FILE exists (the output of `make demo` the script builds on).
need() { [ -e "$1" ] || { echo "$2: run scripts/demo.sh (make demo) first: it needs $1" >&2; exit 2; }; }

# f1_cell BITSWITCH MODEL DEV PRECISION: "F1 [low, high]" of one config (95% bootstrap over questions),
# or "-" when the model cannot run it (a level it has no adapter for).
f1_cell() {
    local csv
    if csv=$("$1" sweep --model "$2" --validation_file "$3" --precision "$4" -o csv 2> /dev/null); then
        echo "$csv" | awk -F, 'NR == 2 { printf "%.2f [%.2f, %.2f]", $5, $6, $7 }'
    else
        echo "-"
    fi
}

# interval_cells CSV_ROW_FIELDS: "EM [low, high] | F1 [low, high]" of a row of a sweep's CSV.
interval_cells() { awk -F, '{ printf "%.2f [%.2f, %.2f] | %.2f [%.2f, %.2f]", $2, $3, $4, $5, $6, $7 }'; }
