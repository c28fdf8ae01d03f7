// The deployment file: write (pack, then every tensor and setting into one GGUF) and load (map the file,
// build the model without float weights, install the packed levels). What is in it: deployment_file.h.
#include "bitswitch/model/deployment_file.h"

#include <algorithm>
#include <cstring>
#include <fstream>
#include <map>
#include <set>

#include <fmt/format.h>
#include <torch/torch.h>
#include <nlohmann/json.hpp>

#include "bitswitch/core/error.h"
#include "bitswitch/core/io.h"
#include "bitswitch/core/runtime.h"
#include "bitswitch/model/deployment_metadata.h"
#include "bitswitch/model/gguf_file.h"
#include "bitswitch/model/gpt2.h"

namespace bitswitch::model {
namespace {

using kernels::GgmlType;

// ggml's ne: the sizes from the fastest-varying axis (a row-major tensor's last) to the slowest.
std::vector<int64_t> ggml_ne(const torch::Tensor& t) {
    std::vector<int64_t> ne(t.sizes().rbegin(), t.sizes().rend());
    if (ne.empty()) ne.push_back(1);
    return ne;
}

std::string packed_name(const std::string& unit, const quant::PackedLevel& level) {
    return fmt::format("{}.w{}{}", unit, level.w_bits,
                       level.merged_adapter.empty() ? "" : "+" + level.merged_adapter);
}

// The float tensors the file carries: every parameter and buffer by state-dict name, except the linears'
// float weights (their packed levels replace them).
std::vector<std::pair<std::string, torch::Tensor>> float_tensors(QuantModel& model) {
    std::set<const void*> linear_weights;
    for (const auto& [unit, layer] : model.linear_layers())
        linear_weights.insert(layer->weight.unsafeGetTensorImpl());
    std::vector<std::pair<std::string, torch::Tensor>> out;
    for (const auto& item : model.named_parameters(/*recurse=*/true)) {
        if (!linear_weights.count(item.value().unsafeGetTensorImpl()))
            out.emplace_back(item.key(), item.value());
    }
    for (const auto& item : model.named_buffers(/*recurse=*/true)) out.emplace_back(item.key(), item.value());
    return out;
}

// Every adapter with its options and the units that have it, as bitswitch.adapters holds them.
nlohmann::ordered_json adapters_json(QuantModel& model) {
    nlohmann::ordered_json out = nlohmann::ordered_json::object();
    for (const auto& [unit, layer] : model.linear_layers()) {
        for (const auto& name : layer->adapter_order()) {
            const auto& o = layer->adapters().at(name)->options;
            if (!out.contains(name))
                out[name] = {{"r", o.rank},
                             {"lora_alpha", o.alpha},
                             {"lora_dropout", o.dropout},
                             {"units", nlohmann::ordered_json::array()}};
            out[name]["units"].push_back(unit);
        }
    }
    return out;
}

GgufContents read_deployment_contents(const std::filesystem::path& path) {
    auto contents = read_gguf(path);
    check_deployment_kind(contents, path.string());
    return contents;
}

}  // namespace

DeploymentSummary write_deployment_file(LoadedModel& loaded,
                                        const std::vector<quant::PrecisionConfig>& configs,
                                        const std::filesystem::path& tokenizer_dir,
                                        const std::filesystem::path& path) {
    torch::NoGradGuard no_grad;
    auto qa           = loaded.gpt2();
    const auto files  = text::BpeTokenizer::find_files(tokenizer_dir);
    const auto vocab  = core::read_file(files.vocab);
    const auto merges = core::read_file(files.merges);
    const auto tokenizer =
        text::BpeTokenizer::parse(vocab, files.vocab.string(), merges, files.merges.string());
    if (tokenizer.vocab_size() != qa->transformer->config.vocab_size)
        throw InputError(
            fmt::format("{}: {} tokens, the model has {}; pass --tokenizer with the model's vocabulary",
                        files.vocab.string(), tokenizer.vocab_size(), qa->transformer->config.vocab_size));
    auto& model = loaded.model();
    model.keep_only_packed(configs);

    DeploymentSummary summary;
    GgufWriter w;
    w.add_string("general.architecture", kDeploymentArchitecture);
    w.add_string("general.name", loaded.path().filename().string());
    w.add_u32("bitswitch.version", kDeploymentVersion);
    w.add_string("bitswitch.model_config", gpt2_config_json(qa->transformer->config));
    w.add_string("bitswitch.quantization", quant::to_json(loaded.quant_settings()).dump());
    w.add_string("bitswitch.adapter_set", quant::to_json(loaded.adapters()).dump());
    w.add_string("bitswitch.adapters", adapters_json(model).dump());
    for (const auto& c : configs) summary.configs.push_back(c.source);
    w.add_strings("bitswitch.configs", summary.configs);
    w.add_string(kDeploymentVocabKey, vocab);
    w.add_string(kDeploymentMergesKey, merges);

    const auto add = [&](const std::string& name, std::vector<int64_t> ne, GgmlType type, const void* data,
                         size_t bytes) {
        std::vector<uint8_t> copy(bytes);
        std::memcpy(copy.data(), data, bytes);
        w.add_tensor(name, ne, type, std::move(copy));
        summary.tensors += 1;
        summary.bytes += int64_t(bytes);
    };
    for (const auto& [name, tensor] : float_tensors(model)) {
        const auto t = tensor.detach().to(torch::kFloat32).contiguous();
        add(name, ggml_ne(t), GgmlType::kF32, t.data_ptr<float>(), size_t(t.numel()) * sizeof(float));
    }
    for (auto [unit, layer] : model.linear_layers()) {
        for (const auto& level : layer->packed_levels()) {
            const auto& p   = *level.weights;
            const auto name = packed_name(unit, level);
            add(name + ".q", {p.row_bytes(), p.out}, GgmlType::kI8, p.data.data(), p.data.size());
            add(name + ".d", {p.groups(), p.out}, GgmlType::kF32, p.scales.data(),
                p.scales.size() * sizeof(float));
            summary.packed_bytes += p.bytes();
        }
    }
    w.write(path);
    return summary;
}

bool is_deployment_file(const std::filesystem::path& path) {
    if (!std::filesystem::is_regular_file(path)) return false;
    std::ifstream in(path, std::ios::binary);
    char magic[4] = {};
    in.read(magic, 4);
    return in && std::memcmp(magic, "GGUF", 4) == 0;
}

LoadedModel load_deployment_file(const std::filesystem::path& path,
                                 const std::optional<quant::QuantSettings>& quant_override) {
    if (quant_override)
        throw InputError(
            fmt::format("{}: quantization flags do not apply to a deployment file (its levels are "
                        "packed with the settings it was exported with); drop them",
                        path.string()));
    const auto contents     = read_gguf(path);
    const std::string where = path.string();
    const auto metadata     = parse_deployment_metadata(contents, where);

    Gpt2ForQuestionAnswering qa{nullptr};
    {
        quant::SkipWeightInitGuard no_init;  // the float weights are freed unread: never make them resident
        qa = Gpt2ForQuestionAnswering(metadata.config);
    }
    const auto units = qa->units();
    for (const auto& adapter : metadata.adapters) {
        for (const auto& unit : adapter.units) {
            const bool known = std::any_of(units.begin(), units.end(),
                                           [&](const auto& u) { return u.name == unit && u.has_weight(); });
            if (!known)
                throw InputError(fmt::format("{}: bitswitch.adapters \"{}\": the model has no unit {}", where,
                                             adapter.name, unit));
            qa->linear(unit)->add_adapter(adapter.name, adapter.lora);
        }
    }
    qa->eval();  // after the adapters exist: modules registered later would train (their dropout on)
    auto loaded = LoadedModel::wrap(qa.ptr(), metadata.adapter_set, metadata.settings, path);

    std::map<std::string, const GgufTensorInfo*> by_name;
    for (const auto& t : contents.tensors) by_name[t.name] = &t;
    const core::MappedFile file(path);
    const auto tensor = [&](const std::string& name, GgmlType type, const std::vector<int64_t>& ne) {
        const auto it = by_name.find(name);
        if (it == by_name.end())
            throw InputError(fmt::format("{}: no tensor \"{}\" (exported from another model?)", where, name));
        const auto& t = *it->second;
        if (t.type != type || t.ne != ne)
            throw InputError(fmt::format("{}: tensor \"{}\" is {} [{}], expected {} [{}]", where, name,
                                         kernels::ggml_type_name(t.type), fmt::join(t.ne, ", "),
                                         kernels::ggml_type_name(type), fmt::join(ne, ", ")));
        return size_t(t.file_offset);  // read_gguf checked the data lies inside the file
    };
    torch::NoGradGuard no_grad;
    for (auto& [name, dst] : float_tensors(*qa)) {
        file.copy_out(tensor(name, GgmlType::kF32, ggml_ne(dst)), dst.data_ptr<float>(),
                      size_t(dst.numel()) * sizeof(float));
    }
    const int64_t group_setting = metadata.settings.linear.weight_granularity == quant::Granularity::kGroup
                                      ? metadata.settings.linear.weight_group_size
                                      : 0;
    for (auto [unit, layer] : qa->linear_layers()) {
        std::vector<quant::PackedLevel> levels;
        for (const auto& t : contents.tensors) {
            PackedTensorName packed;
            if (!parse_packed_tensor_name(t.name, unit, packed, where)) continue;
            quant::PackedLevel level;
            level.w_bits         = packed.w_bits;
            level.merged_adapter = packed.merged_adapter;
            kernels::PackedWeights p;
            p.out                  = layer->out_features;
            p.in                   = layer->in_features;
            p.bits                 = level.w_bits;
            p.group                = group_setting > 0 ? group_setting : p.in;
            const std::string name = packed_name(unit, level);
            const size_t q         = tensor(name + ".q", GgmlType::kI8, {p.row_bytes(), p.out});
            const size_t d         = tensor(name + ".d", GgmlType::kF32, {p.groups(), p.out});
            p.data.resize(size_t(p.out * p.row_bytes()));
            p.scales.resize(size_t(p.out * p.groups()));
            file.copy_out(q, p.data.data(), p.data.size());
            file.copy_out(d, p.scales.data(), p.scales.size() * sizeof(float));
            level.weights = std::make_shared<const kernels::PackedWeights>(std::move(p));
            levels.push_back(std::move(level));
        }
        if (levels.empty()) throw InputError(fmt::format("{}: no packed level of unit {}", where, unit));
        layer->load_packed_levels(levels);
    }
    qa->set_engine(quant::Engine::kPacked);
    loaded.set_default_configs(metadata.configs);
    qa->set_precision(loaded.configs({}).front());
    return loaded;
}

text::BpeTokenizer load_tokenizer(const std::string& explicit_dir, const std::filesystem::path& model_path) {
    if (explicit_dir.empty() && is_deployment_file(model_path)) {
        const auto contents     = read_deployment_contents(model_path);
        const std::string where = model_path.string();
        return text::BpeTokenizer::parse(
            deployment_string(contents, kDeploymentVocabKey, where), where + ": " + kDeploymentVocabKey,
            deployment_string(contents, kDeploymentMergesKey, where), where + ": " + kDeploymentMergesKey);
    }
    return text::BpeTokenizer::load(core::tokenizer_dir_for(explicit_dir, model_path));
}

}  // namespace bitswitch::model
