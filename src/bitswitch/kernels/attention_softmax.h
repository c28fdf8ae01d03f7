// The row-wise middle of self-attention, fused into one pass each way (SIMD, dispatched at run time):
//   forward:  scores -> P = softmax(scores + key padding bias, causal limit) and, in training, dropout(P)
//   backward: dL/d dropout(P) -> dL/d scores, regenerating the dropout mask from its seed
// The matrix products around it (Q·Kᵀ, P·V and their gradients) stay with the BLAS.
//
// Rows are numbered r = (b·H + h)·T + t and hold S = past + T keys. Causal (decoders): query t sees keys
// [0, past + t]; otherwise (encoders) every key. A row whose visible keys are all padding gets P = 0 (its
// output is the zero vector), unlike the additive-mask formulation whose result for such rows is an
// artifact of float saturation. Dropout follows
// dropout_hash.h with element (row r, column s).
// Free of libtorch: callers split [0, rows) between threads.
#pragma once

#include <cstdint>

namespace bitswitch::kernels {

struct AttentionRows {
    int64_t heads   = 1;     // H
    int64_t queries = 1;     // T
    int64_t keys    = 1;     // S
    int64_t past    = 0;     // S - T, the cached keys before the first query
    bool causal     = true;  // false: every query sees every (real) key
    /// (batch, S): 0 for a real key, -infinity for padding; nullptr when every key is real.
    const float* key_bias = nullptr;
    float dropout_p       = 0.0f;  // 0 = no dropout
    uint64_t dropout_seed = 0;
    /// > 0 (causal): the products around these rows are tiled in blocks of this many queries and read a
    /// row only up to the last key of its block, past + (t / query_block + 1) · query_block; the kernels
    /// then write zeros only up to there (the rest of the row is neither read nor written).
    int64_t query_block = 0;
};

/// In place: scores -> probabilities for rows [row_begin, row_end). With dropout, `dropped` (same layout)
/// receives dropout(P) = P · mask / (1 - p); otherwise it is not touched and may be nullptr.
void attention_softmax_forward(const AttentionRows& a, int64_t row_begin, int64_t row_end, float* scores,
                               float* dropped);

/// In place: `grad` = dL/d dropout(P) -> dL/d scores, given the forward's probabilities P. With dropout,
/// `dropped` receives dropout(P) again (needed for dL/dV); otherwise it may be nullptr.
void attention_softmax_backward(const AttentionRows& a, int64_t row_begin, int64_t row_end,
                                const float* probs, float* grad, float* dropped);

}  // namespace bitswitch::kernels
