// Tiny GPT-2 models with random weights for fast tests (every parameter random, LayerNorms included).
#pragma once

#include "bitswitch/model/gpt2.h"
#include "support/gpt2_reference.h"

namespace bitswitch::testing {

/// L=2, C=16, H=2, V=64, n_positions=32, no dropout.
model::Gpt2Config tiny_config();

/// tiny_config over GPT-2's real vocabulary (50257 tokens, for the shipped tokenizer), 32 wide (ggml's
/// blocks need multiples of 32), with `n_positions` positions.
model::Gpt2Config real_vocab_config(int64_t n_positions = 32);

/// A model with every base parameter random (seeded).
model::Gpt2ForQuestionAnswering tiny_model(uint64_t seed                   = 0,
                                           const model::Gpt2Config& config = tiny_config());

/// Two levels at w8 and w4 with rank-2 adapters; activations (and K/V) at `a_bits`, or with 0 at the
/// weights' bits (levels "8" and "4").
quant::AdapterSet two_levels(int a_bits = 0);

/// Adds one adapter per level of `set` to every linear of `model`, B random (N(0, 0.5)) so that each level
/// changes the output. Call model->eval() afterwards: modules added later start in training mode.
void add_level_adapters(model::Gpt2ForQuestionAnswering& model, const quant::AdapterSet& set);

/// The units of a GPT-2 with n_layer blocks (tiny_config otherwise), in precision-config order: what
/// precision configs in tests resolve against.
quant::UnitList gpt2_units(int64_t n_layer);

/// The model's base parameters as plain arrays for the reference implementation.
Weights weights_of(const model::Gpt2ForQuestionAnswering& model);

}  // namespace bitswitch::testing
