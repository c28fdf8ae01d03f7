// safetensors header validation (see safetensors_header.h).
#include "bitswitch/model/safetensors_header.h"

#include <algorithm>
#include <cstring>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "bitswitch/core/error.h"

namespace bitswitch::model {
namespace {

// Upper bound on the JSON header, as the reference implementation (100 MB): a larger value means garbage.
constexpr uint64_t kMaxHeaderBytes = 100'000'000;

}  // namespace

size_t safetensors_dtype_size(const std::string& dtype) {
    static const std::map<std::string, size_t> sizes = {
        {"F64", 8}, {"F32", 4}, {"F16", 2}, {"BF16", 2}, {"I64", 8},
        {"I32", 4}, {"I16", 2}, {"I8", 1},  {"U8", 1},   {"BOOL", 1},
    };
    const auto it = sizes.find(dtype);
    return it == sizes.end() ? 0 : it->second;
}

SafetensorsHeader parse_safetensors_header(std::string_view file, const std::string& name) {
    if (file.size() < 8)
        throw InputError(fmt::format("{}: truncated: {} bytes, no header length", name, file.size()));
    uint64_t header_len = 0;
    std::memcpy(&header_len, file.data(), 8);  // little-endian, as every platform we build for
    if (header_len > kMaxHeaderBytes || 8 + header_len > file.size()) {
        throw InputError(
            fmt::format("{}: header length {} exceeds the file ({} bytes): truncated or not safetensors",
                        name, header_len, file.size()));
    }
    SafetensorsHeader out;
    out.data_start = 8 + size_t(header_len);
    nlohmann::json header;
    try {
        header = nlohmann::json::parse(file.substr(8, size_t(header_len)));
    } catch (const nlohmann::json::exception& e) {
        throw InputError(fmt::format("{}: header is not valid JSON ({})", name, e.what()));
    }
    if (!header.is_object()) throw InputError(fmt::format("{}: header is not a JSON object", name));
    const size_t data_size = file.size() - out.data_start;
    for (const auto& item : header.items()) {
        const std::string& key = item.key();  // not a structured binding: the lambda below captures it
        const auto& value      = item.value();
        if (key == "__metadata__") {
            if (value.is_object()) {
                for (const auto& [k, v] : value.items())
                    out.metadata[k] = v.is_string() ? v.get<std::string>() : v.dump();
            }
            continue;
        }
        const auto bad = [&](const std::string& what) {
            throw InputError(fmt::format("{}: tensor \"{}\": {}", name, key, what));
        };
        if (!value.is_object() || !value.contains("dtype") || !value.contains("shape") ||
            !value.contains("data_offsets")) {
            bad("entry needs dtype, shape and data_offsets");
        }
        TensorEntry e;
        if (!value["dtype"].is_string()) bad("dtype is not a string");
        e.dtype                 = value["dtype"].get<std::string>();
        const size_t dtype_size = safetensors_dtype_size(e.dtype);
        if (dtype_size == 0) bad(fmt::format("unsupported dtype \"{}\"", e.dtype));
        if (!value["shape"].is_array()) bad("shape is not an array");
        for (const auto& d : value["shape"]) {
            if (!d.is_number_integer() || d.get<int64_t>() < 0)
                bad(fmt::format("bad shape {}", value["shape"].dump()));
            e.shape.push_back(d.get<int64_t>());
        }
        // The byte count in checked arithmetic: a shape whose product wraps around could otherwise match a
        // small byte range and later ask for an impossible tensor.
        uint64_t bytes = std::count(e.shape.begin(), e.shape.end(), 0) > 0 ? 0 : dtype_size;
        for (const int64_t d : e.shape) {
            if (__builtin_mul_overflow(bytes, uint64_t(d), &bytes))
                bad(fmt::format("shape {} has more elements than any file can hold", value["shape"].dump()));
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
        if (e.end - e.begin != bytes) {
            bad(fmt::format("data_offsets span {} bytes but shape {} of {} needs {}", e.end - e.begin,
                            value["shape"].dump(), e.dtype, bytes));
        }
        out.entries.emplace(key, std::move(e));
    }
    return out;
}

}  // namespace bitswitch::model
