// The fuzz targets: one function per parser of outside input, each taking any bytes. Bad input must end in
// InputError (the one-line message every user error gets); anything else is a finding: a crash, a
// sanitizer report, another exception, or a broken invariant of a parse that succeeded (the target then
// prints what broke and aborts). The same functions run under libFuzzer (fuzz/libfuzzer_main.cpp, built
// with BITSWITCH_FUZZ=ON) and, over the committed corpora and regression inputs, in the normal test suite
// (tests/fuzz/fuzz_inputs_test.cpp).
#pragma once

#include <filesystem>
#include <string_view>

namespace bitswitch::fuzz {

/// A broken invariant: prints which (naming the target), then aborts so that libFuzzer or the test reports
/// the input.
void require(bool ok, const char* target, const char* what);

/// Where the GPT-2 tokenizer files are (assets/gpt2-tokenizer), for the targets that encode text.
void set_tokenizer_dir(const std::filesystem::path& dir);

/// Any bytes as text: encode, encode with offsets, decode. Invariants: decoding gives the input back
/// (after U+FFFD replacement of invalid UTF-8), the two encodings agree, and every offset is a non-empty
/// code-point span inside the text, in order.
void tokenizer_text(std::string_view bytes);

/// Any bytes as a tokenizer's two files (vocab JSON, then merges after the first NUL byte): parse them;
/// when they parse, encoding and decoding a fixed text must not fail.
void tokenizer_files(std::string_view bytes);

/// Any bytes as a SQuAD JSON file: parse and validate. Invariants of a dataset that loads: every
/// question's context exists and every kept answer is found where its answer_start says.
void squad_json(std::string_view bytes);

/// Any bytes (after a first byte choosing the task) as a GLUE file, TSV or JSON lines. Invariants of a file
/// that loads: every example has its text (two for pair tasks) in valid UTF-8, a class label of the task or
/// a finite score, lines in file order; scoring the labels against themselves gives 100% accuracy.
void glue_file(std::string_view bytes);

/// Any bytes as a model's config.json: parse and validate. Invariants of a config that loads: the sizes
/// the model derives from it (inner width, head width, parameter count) are positive and exact in int64,
/// and writing it back and reading that gives the same config.
void gpt2_config_json(std::string_view bytes);

/// Any bytes as an encoder's config.json (RoBERTa). Invariants of a config that loads: its widths divide
/// into heads, a token has a position after the padding offset, and writing it back and reading that gives
/// the same config (labels included).
void encoder_config_json(std::string_view bytes);

/// Any bytes as a safetensors file (checkpoints, adapters): validate the header. Invariants of a header
/// that passes: every tensor's byte range lies in the data section and holds exactly its shape's elements
/// (computed without overflow), so reading any tensor stays inside the file.
void safetensors_header(std::string_view bytes);

/// Any bytes as a precision config (first byte: bit 0-1 the form, inline text, a .json or a .toml file; bit 2
/// a shared adapter) for a 2-block GPT-2 with levels 16, 8 and 4. Invariants of a config that resolves: one
/// entry per unit in the model's order, valid bits, only adapters the model has.
void precision_config(std::string_view bytes);

/// Any bytes (after a first byte choosing which) as a run folder's bitswitch.json or an adapter's
/// adapter_config.json. Invariants: a LoRA run names its base, ranks are 1..65536, and the levels and
/// quantization settings read back the same after being written.
void run_metadata_json(std::string_view bytes);

/// Any bytes as a GGUF file and, when that parses, as a deployment file's metadata. Invariants: every
/// tensor's bytes lie inside the file; adapters have names and bounded ranks; packed levels are 2..8 bits;
/// the settings round-trip.
void gguf_deployment(std::string_view bytes);

/// Any bytes as the body of POST /v1/qa. Invariants of a body that passes: 1..max_batch questions, none
/// with an empty question or context, n_best in 1..max.
void qa_request_body(std::string_view bytes);

/// Any bytes as a `--config` TOML file of a command with each kind of option: the flags it gives parse or
/// fail as a command line does, and a flag given on the command line is never overridden.
void toml_config(std::string_view bytes);

struct Target {
    const char* name;  // the folder under fuzz/corpus/ and fuzz/regressions/
    void (*run)(std::string_view bytes);
};

inline constexpr Target kTargets[] = {
    {"tokenizer_text", tokenizer_text},
    {"tokenizer_files", tokenizer_files},
    {"squad_json", squad_json},
    {"glue_file", glue_file},
    {"gpt2_config_json", gpt2_config_json},
    {"encoder_config_json", encoder_config_json},
    {"safetensors_header", safetensors_header},
    {"precision_config", precision_config},
    {"run_metadata_json", run_metadata_json},
    {"gguf_deployment", gguf_deployment},
    {"qa_request_body", qa_request_body},
    {"toml_config", toml_config},
};

}  // namespace bitswitch::fuzz
