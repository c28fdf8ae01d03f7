// The safetensors format (Hugging Face): 8-byte little-endian header length N, N bytes of JSON
// {"name": {"dtype": "F32", "shape": [..], "data_offsets": [begin, end]}, "__metadata__": {..}}, then the
// raw little-endian data. Reading memory-maps the file and checks every entry before any tensor is used.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <torch/types.h>

#include "bitswitch/core/io.h"
#include "bitswitch/model/safetensors_header.h"

namespace bitswitch::model {

class SafetensorsReader {
  public:
    /// Maps the file and validates the header (parse_safetensors_header). Throws InputError naming the file
    /// and the tensor.
    explicit SafetensorsReader(const std::filesystem::path& path);
    ~SafetensorsReader();
    SafetensorsReader(const SafetensorsReader&)            = delete;
    SafetensorsReader& operator=(const SafetensorsReader&) = delete;

    const std::map<std::string, TensorEntry>& entries() const { return header_.entries; }
    const std::map<std::string, std::string>& metadata() const { return header_.metadata; }
    bool contains(const std::string& name) const { return header_.entries.count(name) > 0; }

    /// A copy of the tensor in its stored dtype (InputError if absent).
    torch::Tensor tensor(const std::string& name) const;

    const std::string& path() const { return path_; }

  private:
    std::string path_;
    std::unique_ptr<core::MappedFile> file_;
    SafetensorsHeader header_;
};

/// Writes tensors (contiguous copies are made as needed) atomically, entries laid out in the given order,
/// header padded with spaces to a multiple of 8 bytes as the reference implementation does.
void save_safetensors(const std::filesystem::path& path,
                      const std::vector<std::pair<std::string, torch::Tensor>>& tensors,
                      const std::map<std::string, std::string>& metadata = {});

/// "F32" etc. for a torch dtype (InputError for unsupported ones) and back.
std::string safetensors_dtype_name(torch::ScalarType type);
torch::ScalarType safetensors_dtype(const std::string& name);

}  // namespace bitswitch::model
