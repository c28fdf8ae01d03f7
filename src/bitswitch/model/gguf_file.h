// GGUF, the file format of ggml and llama.cpp (version 3, as ggml/include/gguf.h describes it),
// little-endian:
//   "GGUF", u32 version = 3, u64 tensor count, u64 key-value count,
//   key-values:   string key, u32 value type, value (an array: u32 element type, u64 count, elements),
//   tensor infos: string name, u32 dims, u64 ne[dims] (ne[0] = values per row, the fastest-varying axis),
//                 u32 ggml type, u64 offset of the data from the start of the data section,
//   padding to `general.alignment` (32 by default), then every tensor's data, each starting aligned.
// A string is a u64 byte length and the bytes, without a terminator; a bool is one byte.
// The writer keeps the tensors' bytes until write(), which writes through a temporary file and a rename.
// The reader checks what it reads (magic, version, types, sizes, offsets inside the file) and names the
// file in every error; it returns the key-values as JSON and where each tensor's bytes are.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "bitswitch/kernels/ggml_blocks.h"

namespace bitswitch::model {

inline constexpr uint32_t kGgufVersion   = 3;
inline constexpr uint64_t kGgufAlignment = 32;

class GgufWriter {
  public:
    void add_string(const std::string& key, const std::string& value);
    void add_u32(const std::string& key, uint32_t value);
    void add_f32(const std::string& key, float value);
    void add_bool(const std::string& key, bool value);
    void add_strings(const std::string& key, const std::vector<std::string>& values);
    void add_i32s(const std::string& key, const std::vector<int32_t>& values);
    /// ne in ggml order (ne[0] = values per row); `data` holds the rows encoded as `type`
    /// (kernels::ggml_encode_row), its size checked against ne.
    void add_tensor(const std::string& name, const std::vector<int64_t>& ne, kernels::GgmlType type,
                    std::vector<uint8_t> data);
    /// Writes the file atomically; Error naming the path when it cannot.
    void write(const std::filesystem::path& path) const;

  private:
    struct Tensor {
        std::string name;
        std::vector<int64_t> ne;
        kernels::GgmlType type;
        std::vector<uint8_t> data;
    };
    std::string header_;  // the key-values, serialized as they are added
    uint64_t kv_count_ = 0;
    std::vector<Tensor> tensors_;
};

struct GgufTensorInfo {
    std::string name;
    std::vector<int64_t> ne;
    kernels::GgmlType type = kernels::GgmlType::kF32;
    uint64_t file_offset   = 0;  // absolute, in the file
    uint64_t bytes         = 0;
};

struct GgufContents {
    nlohmann::ordered_json metadata;  // key -> value (arrays as JSON arrays)
    std::vector<GgufTensorInfo> tensors;
};

/// A metadata value as text for messages: JSON, with invalid UTF-8 replaced (a GGUF string is any bytes, and
/// nlohmann's dump throws on invalid UTF-8).
std::string gguf_value_text(const nlohmann::ordered_json& value);

/// Reads a GGUF file's metadata and tensor table (not the data). InputError naming the file and what is
/// wrong: not GGUF, another version, a value type or tensor type it does not know, sizes past the end.
GgufContents read_gguf(const std::filesystem::path& path);
/// The same from a file's bytes; `name` names it in errors. Every tensor's [file_offset, file_offset + bytes)
/// lies inside `bytes`.
GgufContents parse_gguf(std::string_view bytes, const std::string& name);

}  // namespace bitswitch::model
