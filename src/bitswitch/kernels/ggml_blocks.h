// The tensor types of ggml (llama.cpp's GGUF files) that `bitswitch export --format gguf` writes, with their
// block layouts, so that llama.cpp reads our tensors as its own (ggml.h's type ids; the layouts follow
// ggml-common.h's block structs). All little-endian:
//   F32    4 bytes a value
//   F16    2 bytes a value, IEEE binary16, rounded to nearest even
//   Q8_0   blocks of 32 values, 34 bytes: d (F16), then q[0..31] as int8; value = d * q.
//          d = max|x| / 127, q = x / d rounded half away from zero.
//   Q4_0   blocks of 32 values, 18 bytes: d (F16), then 16 bytes: byte j holds value j in its low nibble and
//          value j + 16 in its high nibble, each as n in 0..15; value = d * (n - 8).
//          d = -m / 8 where m is the block's value of largest magnitude (so m itself maps to n = 0, the
//          one side with 8 steps), n = min(15, trunc(x / d + 8.5)).
// Quantized types need rows whose length is a multiple of 32 (GPT-2's are). Free of libtorch.
#pragma once

#include <cstdint>
#include <string_view>

namespace bitswitch::kernels {

// I8 holds raw bytes (bitswitch's deployment file stores its packed weights as I8 tensors).
enum class GgmlType : uint32_t { kF32 = 0, kF16 = 1, kQ4_0 = 2, kQ8_0 = 8, kI8 = 24 };

inline constexpr int64_t kGgmlBlockValues = 32;  // Q8_0 and Q4_0

/// "F32", "F16", "Q4_0", "Q8_0", "I8" (llama.cpp's spelling).
std::string_view ggml_type_name(GgmlType type);
/// True for the block types, which need rows of a multiple of kGgmlBlockValues values.
bool ggml_type_is_blocked(GgmlType type);
/// Bytes of a row of n values (n a multiple of 32 for the block types).
int64_t ggml_row_bytes(GgmlType type, int64_t n);

/// IEEE binary16 bits of f, rounded to nearest even (overflow to infinity, subnormals kept).
uint16_t fp16_from_float(float f);
float fp16_to_float(uint16_t h);

/// Encodes x[0, n) as `type` into out[0, ggml_row_bytes(type, n)).
void ggml_encode_row(GgmlType type, const float* x, int64_t n, uint8_t* out);
/// The values a row of `type` stands for: x[0, n).
void ggml_decode_row(GgmlType type, const uint8_t* in, int64_t n, float* x);

}  // namespace bitswitch::kernels
