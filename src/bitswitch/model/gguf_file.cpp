// GGUF writing and reading (format in gguf_file.h).
#include "bitswitch/model/gguf_file.h"

#include <cstring>
#include <set>

#include <fmt/format.h>

#include "bitswitch/core/error.h"
#include "bitswitch/core/io.h"

namespace bitswitch::model {
namespace {

// gguf.h's value types.
enum ValueType : uint32_t {
    kU8     = 0,
    kI8     = 1,
    kU16    = 2,
    kI16    = 3,
    kU32    = 4,
    kI32    = 5,
    kF32    = 6,
    kBool   = 7,
    kString = 8,
    kArray  = 9,
    kU64    = 10,
    kI64    = 11,
    kF64    = 12,
};

template <typename T>
void put(std::string& out, T value) {
    char bytes[sizeof(T)];
    std::memcpy(bytes, &value, sizeof(T));  // the machines we build for are little-endian, as GGUF is
    out.append(bytes, sizeof(T));
}

void put_string(std::string& out, const std::string& s) {
    put<uint64_t>(out, s.size());
    out += s;
}

uint64_t aligned(uint64_t offset) {
    return (offset + kGgufAlignment - 1) / kGgufAlignment * kGgufAlignment;
}

int64_t element_count(const std::vector<int64_t>& ne) {
    int64_t n = 1;
    for (const int64_t d : ne) n *= d;
    return n;
}

/// Bytes of a tensor: rows of ne[0] values.
uint64_t tensor_bytes(kernels::GgmlType type, const std::vector<int64_t>& ne) {
    if (ne.empty()) return 0;
    return uint64_t(kernels::ggml_row_bytes(type, ne[0]) * (element_count(ne) / ne[0]));
}

/// Reads the little-endian values of a GGUF file, with the file named in every error.
class Cursor {
  public:
    Cursor(std::string_view bytes, std::string path) : bytes_(bytes), path_(std::move(path)) {}

    template <typename T>
    T get(const char* what) {
        need(sizeof(T), what);
        T value;
        std::memcpy(&value, bytes_.data() + pos_, sizeof(T));
        pos_ += sizeof(T);
        return value;
    }
    std::string get_string(const char* what) {
        const auto n = get<uint64_t>(what);
        need(n, what);
        std::string s(bytes_.substr(pos_, n));
        pos_ += n;
        return s;
    }
    nlohmann::ordered_json get_value(uint32_t type, const std::string& key) {
        switch (type) {
            case kU8:
                return get<uint8_t>(key.c_str());
            case kI8:
                return get<int8_t>(key.c_str());
            case kU16:
                return get<uint16_t>(key.c_str());
            case kI16:
                return get<int16_t>(key.c_str());
            case kU32:
                return get<uint32_t>(key.c_str());
            case kI32:
                return get<int32_t>(key.c_str());
            case kF32:
                return get<float>(key.c_str());
            case kBool:
                return get<uint8_t>(key.c_str()) != 0;
            case kString:
                return get_string(key.c_str());
            case kU64:
                return get<uint64_t>(key.c_str());
            case kI64:
                return get<int64_t>(key.c_str());
            case kF64:
                return get<double>(key.c_str());
            case kArray: {
                const auto element = get<uint32_t>(key.c_str());
                const auto n       = get<uint64_t>(key.c_str());
                if (element == kArray) fail(fmt::format("{}: nested arrays are not supported", key));
                auto list = nlohmann::ordered_json::array();
                for (uint64_t i = 0; i < n; ++i) list.push_back(get_value(element, key));
                return list;
            }
            default:
                fail(fmt::format("{}: unknown value type {}", key, type));
        }
    }
    uint64_t position() const { return pos_; }
    uint64_t size() const { return bytes_.size(); }
    [[noreturn]] void fail(const std::string& what) const {
        throw InputError(fmt::format("{}: not a readable GGUF file: {}", path_, what));
    }

  private:
    void need(uint64_t n, const char* what) const {
        if (n > bytes_.size() - pos_) fail(fmt::format("{} runs past the end of the file", what));
    }
    std::string_view bytes_;
    std::string path_;
    uint64_t pos_ = 0;
};

}  // namespace

void GgufWriter::add_string(const std::string& key, const std::string& value) {
    put_string(header_, key);
    put<uint32_t>(header_, kString);
    put_string(header_, value);
    ++kv_count_;
}

void GgufWriter::add_u32(const std::string& key, uint32_t value) {
    put_string(header_, key);
    put<uint32_t>(header_, kU32);
    put<uint32_t>(header_, value);
    ++kv_count_;
}

void GgufWriter::add_f32(const std::string& key, float value) {
    put_string(header_, key);
    put<uint32_t>(header_, kF32);
    put<float>(header_, value);
    ++kv_count_;
}

void GgufWriter::add_bool(const std::string& key, bool value) {
    put_string(header_, key);
    put<uint32_t>(header_, kBool);
    put<uint8_t>(header_, value ? 1 : 0);
    ++kv_count_;
}

void GgufWriter::add_strings(const std::string& key, const std::vector<std::string>& values) {
    put_string(header_, key);
    put<uint32_t>(header_, kArray);
    put<uint32_t>(header_, kString);
    put<uint64_t>(header_, values.size());
    for (const auto& v : values) put_string(header_, v);
    ++kv_count_;
}

void GgufWriter::add_i32s(const std::string& key, const std::vector<int32_t>& values) {
    put_string(header_, key);
    put<uint32_t>(header_, kArray);
    put<uint32_t>(header_, kI32);
    put<uint64_t>(header_, values.size());
    for (const int32_t v : values) put<int32_t>(header_, v);
    ++kv_count_;
}

void GgufWriter::add_tensor(const std::string& name, const std::vector<int64_t>& ne, kernels::GgmlType type,
                            std::vector<uint8_t> data) {
    if (ne.empty() || (kernels::ggml_type_is_blocked(type) && ne[0] % kernels::kGgmlBlockValues != 0))
        throw Error(fmt::format("GGUF tensor {}: rows of {} values cannot be stored as {}", name,
                                ne.empty() ? 0 : ne[0], kernels::ggml_type_name(type)));
    if (data.size() != tensor_bytes(type, ne))
        throw Error(
            fmt::format("GGUF tensor {}: {} bytes, expected {}", name, data.size(), tensor_bytes(type, ne)));
    tensors_.push_back({name, ne, type, std::move(data)});
}

void GgufWriter::write(const std::filesystem::path& path) const {
    std::string head = "GGUF";
    put<uint32_t>(head, kGgufVersion);
    put<uint64_t>(head, tensors_.size());
    put<uint64_t>(head, kv_count_);
    head += header_;
    uint64_t data = 0;
    for (const Tensor& t : tensors_) {
        put_string(head, t.name);
        put<uint32_t>(head, uint32_t(t.ne.size()));
        for (const int64_t d : t.ne) put<uint64_t>(head, uint64_t(d));
        put<uint32_t>(head, uint32_t(t.type));
        put<uint64_t>(head, data);
        data = aligned(data + t.data.size());
    }
    head.resize(aligned(head.size()), '\0');
    core::write_file_atomic_with(path, [&](std::ostream& out) {
        out.write(head.data(), std::streamsize(head.size()));
        const std::string padding(kGgufAlignment, '\0');
        for (const Tensor& t : tensors_) {
            out.write(reinterpret_cast<const char*>(t.data.data()), std::streamsize(t.data.size()));
            out.write(padding.data(), std::streamsize(aligned(t.data.size()) - t.data.size()));
        }
    });
}

std::string gguf_value_text(const nlohmann::ordered_json& value) {
    return value.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

GgufContents parse_gguf(std::string_view bytes, const std::string& name) {
    Cursor in(bytes, name);
    if (in.size() < 4 || in.get<uint32_t>("magic") != 0x46554747u) in.fail("it does not start with GGUF");
    const auto version = in.get<uint32_t>("version");
    if (version != kGgufVersion)
        in.fail(fmt::format("version {}, this reader knows {}", version, kGgufVersion));
    const auto tensor_count = in.get<uint64_t>("tensor count");
    const auto kv_count     = in.get<uint64_t>("key-value count");
    GgufContents contents;
    for (uint64_t i = 0; i < kv_count; ++i) {
        const std::string key = in.get_string("key");
        const auto type       = in.get<uint32_t>(key.c_str());
        if (contents.metadata.contains(key)) in.fail(fmt::format("key {} appears twice", key));
        contents.metadata[key] = in.get_value(type, key);
    }
    std::set<std::string> names;
    for (uint64_t i = 0; i < tensor_count; ++i) {
        GgufTensorInfo t;
        t.name = in.get_string("tensor name");
        if (!names.insert(t.name).second) in.fail(fmt::format("tensor {} appears twice", t.name));
        const auto dims = in.get<uint32_t>(t.name.c_str());
        if (dims == 0 || dims > 4) in.fail(fmt::format("tensor {}: {} dimensions", t.name, dims));
        // Sizes in checked arithmetic: a tensor's byte count must not wrap to something that fits the file.
        int64_t elements = 1;
        for (uint32_t d = 0; d < dims; ++d) {
            const auto n = in.get<uint64_t>(t.name.c_str());
            if (n == 0 || n > uint64_t(INT64_MAX) || __builtin_mul_overflow(elements, int64_t(n), &elements))
                in.fail(
                    fmt::format("tensor {}: a size of {} in dimension {} (sizes are 1 or more and their "
                                "product fits 63 bits)",
                                t.name, n, d));
            t.ne.push_back(int64_t(n));
        }
        const auto type = in.get<uint32_t>(t.name.c_str());
        t.type          = kernels::GgmlType(type);
        if (kernels::ggml_type_name(t.type) == "?")
            in.fail(fmt::format("tensor {}: ggml type {} (bitswitch reads F32, F16, Q8_0, Q4_0, I8)", t.name,
                                type));
        if (kernels::ggml_type_is_blocked(t.type) && t.ne[0] % kernels::kGgmlBlockValues != 0)
            in.fail(fmt::format("tensor {}: rows of {} values, not a multiple of the {} a {} block holds",
                                t.name, t.ne[0], kernels::kGgmlBlockValues, kernels::ggml_type_name(t.type)));
        // At most 4 bytes per value (F32), so up to 2^60 values the byte count stays below 2^62.
        if (elements > (int64_t(1) << 60)) in.fail(fmt::format("tensor {}: {} values", t.name, elements));
        t.file_offset = in.get<uint64_t>(t.name.c_str());
        t.bytes       = tensor_bytes(t.type, t.ne);
        contents.tensors.push_back(std::move(t));
    }
    uint64_t alignment = kGgufAlignment;
    if (contents.metadata.contains("general.alignment")) {
        const auto& a = contents.metadata["general.alignment"];
        // gguf.h: a u32 power of two. Bounded so that rounding the data's start up cannot wrap.
        if (!a.is_number_unsigned() || a.get<uint64_t>() == 0 || a.get<uint64_t>() > (1u << 30) ||
            (a.get<uint64_t>() & (a.get<uint64_t>() - 1)) != 0)
            in.fail(
                fmt::format("general.alignment is {}, not a power of two up to 2^30", gguf_value_text(a)));
        alignment = a.get<uint64_t>();
    }
    const uint64_t data_start = (in.position() + alignment - 1) / alignment * alignment;
    for (auto& t : contents.tensors) {
        if (t.file_offset > in.size() || data_start > in.size() - t.file_offset ||
            t.bytes > in.size() - t.file_offset - data_start)
            in.fail(fmt::format("tensor {}: its {} bytes run past the end of the file", t.name, t.bytes));
        t.file_offset += data_start;
    }
    return contents;
}

GgufContents read_gguf(const std::filesystem::path& path) {
    const core::MappedFile file(path);  // the header only is read: the tensors' pages stay on disk
    return parse_gguf(file.bytes(), path.string());
}

}  // namespace bitswitch::model
