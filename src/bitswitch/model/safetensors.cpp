// safetensors reading (a mapped file + validation) and atomic writing.
#include "bitswitch/model/safetensors.h"

#include <cstring>

#include <fmt/format.h>
#include <torch/torch.h>
#include <nlohmann/json.hpp>

#include "bitswitch/core/error.h"
#include "bitswitch/core/io.h"

namespace bitswitch::model {
namespace {

// The format's dtype names and their torch types (bytes per element: safetensors_dtype_size).
struct DtypeInfo {
    const char* name;
    torch::ScalarType type;
};
constexpr DtypeInfo kDtypes[] = {
    {"F64", torch::kFloat64}, {"F32", torch::kFloat32}, {"F16", torch::kFloat16}, {"BF16", torch::kBFloat16},
    {"I64", torch::kInt64},   {"I32", torch::kInt32},   {"I16", torch::kInt16},   {"I8", torch::kInt8},
    {"U8", torch::kUInt8},    {"BOOL", torch::kBool},
};

const DtypeInfo* find_dtype(const std::string& name) {
    for (const auto& d : kDtypes) {
        if (name == d.name) return &d;
    }
    return nullptr;
}

}  // namespace

std::string safetensors_dtype_name(torch::ScalarType type) {
    for (const auto& d : kDtypes) {
        if (d.type == type) return d.name;
    }
    throw InputError(fmt::format("safetensors: dtype {} cannot be stored", c10::toString(type)));
}

torch::ScalarType safetensors_dtype(const std::string& name) {
    const DtypeInfo* d = find_dtype(name);
    if (!d) throw InputError(fmt::format("safetensors: unknown dtype \"{}\"", name));
    return d->type;
}

SafetensorsReader::SafetensorsReader(const std::filesystem::path& path)
    : path_(path.string()), file_(std::make_unique<core::MappedFile>(path)) {
    header_ = parse_safetensors_header(file_->bytes(), path_);
}

SafetensorsReader::~SafetensorsReader() = default;

torch::Tensor SafetensorsReader::tensor(const std::string& name) const {
    const auto it = header_.entries.find(name);
    if (it == header_.entries.end()) throw InputError(fmt::format("{}: no tensor \"{}\"", path_, name));
    const TensorEntry& e = it->second;
    auto* data =
        const_cast<char*>(file_->bytes().data()) + header_.data_start + e.begin;  // read only: cloned
    const auto options = torch::TensorOptions().dtype(safetensors_dtype(e.dtype));
    if (e.end == e.begin) return torch::empty(e.shape, options);
    // from_blob needs no alignment for a copy; clone() detaches the tensor from the mapping.
    return torch::from_blob(data, e.shape, options).clone();
}

void save_safetensors(const std::filesystem::path& path,
                      const std::vector<std::pair<std::string, torch::Tensor>>& tensors,
                      const std::map<std::string, std::string>& metadata) {
    nlohmann::ordered_json header = nlohmann::ordered_json::object();
    if (!metadata.empty()) header["__metadata__"] = metadata;
    std::vector<torch::Tensor> contiguous;
    size_t offset = 0;
    for (const auto& [name, t] : tensors) {
        const torch::Tensor c = t.detach().to(torch::kCPU).contiguous();
        const size_t bytes    = size_t(c.numel()) * c.element_size();
        header[name]          = {{"dtype", safetensors_dtype_name(c.scalar_type())},
                                 {"shape", c.sizes().vec()},
                                 {"data_offsets", {offset, offset + bytes}}};
        offset += bytes;
        contiguous.push_back(c);
    }
    std::string text = header.dump();
    text.append((8 - text.size() % 8) % 8, ' ');
    core::write_file_atomic_with(path, [&](std::ostream& out) {
        const uint64_t len = text.size();
        out.write(reinterpret_cast<const char*>(&len), 8);
        out.write(text.data(), std::streamsize(text.size()));
        for (const auto& c : contiguous) {
            out.write(static_cast<const char*>(c.data_ptr()),
                      std::streamsize(size_t(c.numel()) * c.element_size()));
        }
    });
}

}  // namespace bitswitch::model
