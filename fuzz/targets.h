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

/// Any bytes as a model's config.json: parse and validate. Invariants of a config that loads: the sizes
/// the model derives from it (inner width, head width, parameter count) are positive and exact in int64,
/// and writing it back and reading that gives the same config.
void gpt2_config_json(std::string_view bytes);

/// Any bytes as a safetensors file (checkpoints, adapters): validate the header. Invariants of a header
/// that passes: every tensor's byte range lies in the data section and holds exactly its shape's elements
/// (computed without overflow), so reading any tensor stays inside the file.
void safetensors_header(std::string_view bytes);

struct Target {
    const char* name;  // the folder under fuzz/corpus/ and fuzz/regressions/
    void (*run)(std::string_view bytes);
};

inline constexpr Target kTargets[] = {
    {"tokenizer_text", tokenizer_text},
    {"tokenizer_files", tokenizer_files},
    {"squad_json", squad_json},
    {"gpt2_config_json", gpt2_config_json},
    {"safetensors_header", safetensors_header},
};

}  // namespace bitswitch::fuzz
