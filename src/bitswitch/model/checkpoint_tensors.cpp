// One strict safetensors -> parameters copy for every model family.
#include "bitswitch/model/checkpoint_tensors.h"

#include <set>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <torch/torch.h>

#include "bitswitch/core/error.h"

namespace bitswitch::model {

std::map<std::string, torch::Tensor> base_parameters(const torch::nn::Module& model) {
    std::map<std::string, torch::Tensor> params;
    for (const auto& p : model.named_parameters()) {
        if (p.key().find(".lora_") == std::string::npos) params.emplace(p.key(), p.value());
    }
    return params;
}

bool copy_checkpoint_tensors(const SafetensorsReader& reader,
                             const std::map<std::string, torch::Tensor>& params, const TensorNaming& naming) {
    const std::string file = reader.path();
    std::set<std::string> loaded;
    torch::NoGradGuard no_grad;
    for (const auto& [stored_name, entry] : reader.entries()) {
        const auto name = naming.parameter(stored_name);
        if (!name) continue;
        const auto it = params.find(*name);
        if (it == params.end()) {
            throw InputError(fmt::format("{}: unexpected tensor \"{}\" (not part of {})", file, stored_name,
                                         naming.family));
        }
        const auto type = safetensors_dtype(entry.dtype);
        if (type != torch::kFloat32 && type != torch::kFloat16 && type != torch::kBFloat16) {
            throw InputError(fmt::format("{}: tensor \"{}\" has dtype {}; expected F32, F16 or BF16", file,
                                         stored_name, entry.dtype));
        }
        const bool transposed = naming.transposed(*name);
        torch::Tensor t       = reader.tensor(stored_name).to(torch::kFloat32);
        if (transposed) t = t.t();
        if (t.sizes() != it->second.sizes()) {
            // A copy of the shape: sizes() of the temporary t() would dangle after this statement.
            const std::vector<int64_t> wanted = (transposed ? it->second.t() : it->second).sizes().vec();
            throw InputError(fmt::format("{}: tensor \"{}\" has shape [{}] but the config needs [{}]{}", file,
                                         stored_name, fmt::join(entry.shape, ", "), fmt::join(wanted, ", "),
                                         transposed              ? " (Conv1D layout [in, out])"
                                         : naming.is_head(*name) ? " (a head for another number of labels?)"
                                                                 : ""));
        }
        it->second.copy_(t);
        loaded.insert(*name);
    }
    bool head_in_file = false;
    for (const auto& [name, p] : params) head_in_file |= naming.is_head(name) && loaded.count(name) > 0;
    for (const auto& [name, p] : params) {
        if (loaded.count(name) || (naming.is_head(name) && !head_in_file)) continue;
        throw InputError(fmt::format("{}: missing tensor \"{}\"", file, name));
    }
    return head_in_file;
}

}  // namespace bitswitch::model
