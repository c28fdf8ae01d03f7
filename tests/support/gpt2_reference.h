// A plain-loop GPT-2 forward (llm.c style) used only as a test oracle: no libtorch ops, just the equations,
// written independently of src/bitswitch/model. Slow; for tiny configs.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "bitswitch/model/gpt2_config.h"

namespace bitswitch::testing {

/// Row-major float arrays keyed by our parameter names ("transformer.h.0.attn.c_attn.weight", [out, in]).
using Weights = std::map<std::string, std::vector<float>>;

/// Final hidden states after ln_f for one sequence: (T, C), row-major. mask[t] = 0 marks padding keys.
std::vector<float> reference_hidden(const model::Gpt2Config& config, const Weights& w,
                                    const std::vector<int64_t>& ids, const std::vector<int>& mask);

/// y = x W^T + b for x (T, in), W (out, in).
std::vector<float> reference_linear(const std::vector<float>& x, int64_t T, const std::vector<float>& W,
                                    const std::vector<float>& b, int64_t in, int64_t out);

}  // namespace bitswitch::testing
