// The header of a safetensors file, parsed and validated without libtorch (so the parser can be fuzzed on
// its own): 8-byte little-endian length N, N bytes of JSON naming each tensor's dtype, shape and byte
// range in the data section that follows. SafetensorsReader (safetensors.h) maps the file and builds
// tensors from these entries.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace bitswitch::model {

struct TensorEntry {
    std::string dtype;  // "F32", "F16", "BF16", "F64", "I64", "I32", "I16", "I8", "U8", "BOOL"
    std::vector<int64_t> shape;
    size_t begin = 0, end = 0;  // byte offsets into the data section
};

struct SafetensorsHeader {
    size_t data_start = 0;  // 8 + N: where the data section begins in the file
    std::map<std::string, TensorEntry> entries;
    std::map<std::string, std::string> metadata;  // "__metadata__" (non-string values as their JSON)
};

/// Bytes per element of a safetensors dtype name, 0 for a name the format (or bitswitch) does not have.
size_t safetensors_dtype_size(const std::string& dtype);

/// Validates the header of `file` (the whole file's bytes): length, JSON, known dtypes, shapes whose
/// element count fits in memory, offsets within the data section and equal to shape x dtype size.
/// Throws InputError naming `name` and the tensor.
SafetensorsHeader parse_safetensors_header(std::string_view file, const std::string& name);

}  // namespace bitswitch::model
