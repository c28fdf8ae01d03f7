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

// The format's dtype table: name, torch type, bytes per element.
struct DtypeInfo {
    const char* name;
    torch::ScalarType type;
    size_t size;
};
constexpr DtypeInfo kDtypes[] = {
    {"F64", torch::kFloat64, 8},   {"F32", torch::kFloat32, 4}, {"F16", torch::kFloat16, 2},
    {"BF16", torch::kBFloat16, 2}, {"I64", torch::kInt64, 8},   {"I32", torch::kInt32, 4},
    {"I16", torch::kInt16, 2},     {"I8", torch::kInt8, 1},     {"U8", torch::kUInt8, 1},
    {"BOOL", torch::kBool, 1},
};

const DtypeInfo* find_dtype(const std::string& name) {
    for (const auto& d : kDtypes) {
        if (name == d.name) return &d;
    }
    return nullptr;
}

// Upper bound on the JSON header, as the reference implementation (100 MB): a larger value means garbage.
constexpr uint64_t kMaxHeaderBytes = 100'000'000;

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
    const auto* bytes      = reinterpret_cast<const uint8_t*>(file_->bytes().data());
    const size_t file_size = file_->bytes().size();
    if (file_size < 8)
        throw InputError(fmt::format("{}: truncated: {} bytes, no header length", path_, file_size));
    uint64_t header_len = 0;
    std::memcpy(&header_len, bytes, 8);  // little-endian, as every platform we build for
    if (header_len > kMaxHeaderBytes || 8 + header_len > file_size) {
        throw InputError(
            fmt::format("{}: header length {} exceeds the file ({} bytes): truncated or not safetensors",
                        path_, header_len, file_size));
    }
    data_start_ = 8 + size_t(header_len);
    nlohmann::json header;
    try {
        header =
            nlohmann::json::parse(std::string(reinterpret_cast<const char*>(bytes + 8), size_t(header_len)));
    } catch (const nlohmann::json::exception& e) {
        throw InputError(fmt::format("{}: header is not valid JSON ({})", path_, e.what()));
    }
    if (!header.is_object()) throw InputError(fmt::format("{}: header is not a JSON object", path_));
    const size_t data_size = file_size - data_start_;
    for (const auto& [name, value] : header.items()) {
        if (name == "__metadata__") {
            if (value.is_object()) {
                for (const auto& [k, v] : value.items())
                    metadata_[k] = v.is_string() ? v.get<std::string>() : v.dump();
            }
            continue;
        }
        const auto bad = [&](const std::string& what) {
            throw InputError(fmt::format("{}: tensor \"{}\": {}", path_, name, what));
        };
        if (!value.is_object() || !value.contains("dtype") || !value.contains("shape") ||
            !value.contains("data_offsets")) {
            bad("entry needs dtype, shape and data_offsets");
        }
        TensorEntry e;
        if (!value["dtype"].is_string()) bad("dtype is not a string");
        e.dtype             = value["dtype"].get<std::string>();
        const DtypeInfo* dt = find_dtype(e.dtype);
        if (!dt) bad(fmt::format("unsupported dtype \"{}\"", e.dtype));
        if (!value["shape"].is_array()) bad("shape is not an array");
        size_t numel = 1;
        for (const auto& d : value["shape"]) {
            if (!d.is_number_integer() || d.get<int64_t>() < 0)
                bad(fmt::format("bad shape {}", value["shape"].dump()));
            e.shape.push_back(d.get<int64_t>());
            numel *= size_t(d.get<int64_t>());
        }
        const auto& off = value["data_offsets"];
        if (!off.is_array() || off.size() != 2 || !off[0].is_number_unsigned() ||
            !off[1].is_number_unsigned()) {
            bad("data_offsets must be [begin, end]");
        }
        e.begin = off[0].get<size_t>();
        e.end   = off[1].get<size_t>();
        if (e.begin > e.end || e.end > data_size) {
            bad(fmt::format("data_offsets [{}, {}] outside the data section ({} bytes): file truncated?",
                            e.begin, e.end, data_size));
        }
        if (e.end - e.begin != numel * dt->size) {
            bad(fmt::format("data_offsets span {} bytes but shape {} of {} needs {}", e.end - e.begin,
                            value["shape"].dump(), e.dtype, numel * dt->size));
        }
        entries_.emplace(name, std::move(e));
    }
}

SafetensorsReader::~SafetensorsReader() = default;

torch::Tensor SafetensorsReader::tensor(const std::string& name) const {
    const auto it = entries_.find(name);
    if (it == entries_.end()) throw InputError(fmt::format("{}: no tensor \"{}\"", path_, name));
    const TensorEntry& e = it->second;
    auto* data = const_cast<char*>(file_->bytes().data()) + data_start_ + e.begin;  // read only: cloned
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
