// PEFT-like adapter folders and LoRA run folders.
#include "bitswitch/model/adapters.h"

#include <set>

#include <fmt/format.h>
#include <torch/torch.h>
#include <nlohmann/json.hpp>

#include "bitswitch/core/error.h"
#include "bitswitch/core/io.h"
#include "bitswitch/core/json_file.h"
#include "bitswitch/model/safetensors.h"

namespace bitswitch::model {
namespace {

const std::string kPeftPrefix = "base_model.model.";

// "h.0.attn.c_attn" -> "transformer.h.0.attn.c_attn" (the module path inside GPT2ForQuestionAnswering).
std::string module_path(const std::string& layer) {
    return layer == "qa_outputs" ? layer : "transformer." + layer;
}

std::set<std::string> adapter_names(const Gpt2ForQuestionAnswering& model) {
    std::set<std::string> names;
    for (const auto& [layer, linear] : model->linear_layers()) {
        for (const auto& [name, adapter] : linear->adapters()) names.insert(name);
    }
    return names;
}

}  // namespace

void save_lora_run(const Gpt2ForQuestionAnswering& model, const std::filesystem::path& dir,
                   const std::string& base_model, const nlohmann::json& extra) {
    nlohmann::json names = nlohmann::json::array();
    // Adapter folders of an earlier run in the same folder must not outlive it.
    std::filesystem::remove_all(dir / "adapters");
    for (const auto& name : adapter_names(model)) {
        std::vector<std::pair<std::string, torch::Tensor>> tensors;
        quant::LoRAOptions options;
        std::set<std::string> targets;
        for (const auto& [layer, linear] : model->linear_layers()) {
            const auto it = linear->adapters().find(name);
            if (it == linear->adapters().end()) continue;
            options = it->second->options;
            targets.insert(layer.substr(layer.rfind('.') + 1));
            tensors.emplace_back(kPeftPrefix + module_path(layer) + ".lora_A.weight", it->second->A);
            tensors.emplace_back(kPeftPrefix + module_path(layer) + ".lora_B.weight", it->second->B);
        }
        tensors.emplace_back(kPeftPrefix + "qa_outputs.weight", model->qa_outputs->weight);
        tensors.emplace_back(kPeftPrefix + "qa_outputs.bias", model->qa_outputs->bias);
        const nlohmann::ordered_json config{{"peft_type", "LORA"},
                                            {"task_type", "QUESTION_ANS"},
                                            {"base_model_name_or_path", base_model},
                                            {"r", options.rank},
                                            {"lora_alpha", options.alpha},
                                            {"lora_dropout", options.dropout},
                                            {"target_modules", targets},
                                            {"fan_in_fan_out", true},  // GPT-2's Conv1D base weights
                                            {"bias", "none"},
                                            {"modules_to_save", {"qa_outputs"}}};
        const auto adapter_dir = dir / "adapters" / name;
        std::filesystem::create_directories(adapter_dir);
        save_safetensors(adapter_dir / "adapter_model.safetensors", tensors, {{"format", "pt"}});
        core::write_file_atomic(adapter_dir / "adapter_config.json", config.dump(2) + "\n");
        names.push_back(name);
    }
    nlohmann::json run = extra;
    run["format"]      = "bitswitch-lora-run";
    run["base_model"]  = base_model;
    run["finetune"]    = "lora";
    run["adapters"]    = names;
    core::write_file_atomic(dir / "bitswitch.json", run.dump(2) + "\n");
}

void load_adapters(Gpt2ForQuestionAnswering& model, const std::filesystem::path& dir,
                   const std::string& active) {
    const auto root = dir / "adapters";
    if (!std::filesystem::is_directory(root))
        throw InputError(fmt::format("{}: no adapters folder", dir.string()));
    std::vector<std::string> names;
    const auto run_file = dir / "bitswitch.json";
    const nlohmann::json run =
        std::filesystem::exists(run_file) ? core::read_json_file(run_file) : nlohmann::json::object();
    if (run.contains("adapters") && run["adapters"].is_array()) {
        // The run says which adapters are its own: folders of anything else are not loaded.
        for (const auto& n : run["adapters"]) names.push_back(n.get<std::string>());
    } else {
        for (const auto& e : std::filesystem::directory_iterator(root)) {
            if (e.is_directory()) names.push_back(e.path().filename().string());
        }
    }
    std::sort(names.begin(), names.end());
    if (names.empty()) throw InputError(fmt::format("{}: no adapter folders", root.string()));
    torch::NoGradGuard no_grad;
    for (const auto& name : names) {
        const auto config_path      = root / name / "adapter_config.json";
        const nlohmann::json config = core::read_json_file(config_path);
        quant::LoRAOptions options;
        try {
            options.rank    = config.at("r").get<int64_t>();
            options.alpha   = config.at("lora_alpha").get<double>();
            options.dropout = config.value("lora_dropout", 0.0);
        } catch (const nlohmann::json::exception& e) {
            throw InputError(
                fmt::format("{}: needs numbers r and lora_alpha ({})", config_path.string(), e.what()));
        }
        const SafetensorsReader reader(root / name / "adapter_model.safetensors");
        std::set<std::string> used;
        const auto copy = [&](const torch::Tensor& dst, const std::string& key) {
            if (!reader.contains(key))
                throw InputError(fmt::format("{}: missing tensor \"{}\"", reader.path(), key));
            const auto src = reader.tensor(key).to(torch::kFloat32);
            if (src.sizes() != dst.sizes()) {
                throw InputError(
                    fmt::format("{}: tensor \"{}\" has shape [{}] but the model needs [{}] (rank {} from {})",
                                reader.path(), key, fmt::join(src.sizes(), ", "),
                                fmt::join(dst.sizes(), ", "), options.rank, config_path.filename().string()));
            }
            dst.copy_(src);
            used.insert(key);
        };
        for (auto& [layer, linear] : model->linear_layers()) {
            const std::string key = kPeftPrefix + module_path(layer) + ".lora_A.weight";
            if (!reader.contains(key)) continue;
            linear->add_adapter(name, options);
            auto& adapter = linear->adapters().at(name);
            copy(adapter->A, key);
            copy(adapter->B, kPeftPrefix + module_path(layer) + ".lora_B.weight");
        }
        if (reader.contains(kPeftPrefix + "qa_outputs.weight")) {
            copy(model->qa_outputs->weight, kPeftPrefix + "qa_outputs.weight");
            copy(model->qa_outputs->bias, kPeftPrefix + "qa_outputs.bias");
        }
        for (const auto& [key, entry] : reader.entries()) {
            if (!used.count(key))
                throw InputError(fmt::format("{}: unexpected tensor \"{}\"", reader.path(), key));
        }
    }
    const std::string chosen = active.empty() ? names.front() : active;
    for (auto& [layer, linear] : model->linear_layers()) {
        if (linear->adapters().count(chosen)) linear->set_active_adapter(chosen);
    }
}

LoadedModel load_model(const std::filesystem::path& dir) {
    const auto run_file = dir / "bitswitch.json";
    if (!std::filesystem::exists(run_file)) return load_pretrained(dir);
    const nlohmann::json run = core::read_json_file(run_file);
    const std::string where  = run_file.string();
    LoadedModel loaded;
    if (run.value("finetune", "lora") == "full") {
        loaded                = load_pretrained(dir);
        loaded.trained_levels = quant::adapter_set_from_json(run, where).levels;
    } else {
        if (!run.contains("base_model") || !run["base_model"].is_string()) {
            throw InputError(
                fmt::format("{}: missing \"base_model\" (the folder of the frozen model)", where));
        }
        std::filesystem::path base = run["base_model"].get<std::string>();
        if (base.is_relative() && !std::filesystem::exists(base)) base = dir / base;
        loaded = load_pretrained(base);
        load_adapters(loaded.model, dir);
        loaded.qa_head_initialized = false;
        loaded.adapters            = quant::adapter_set_from_json(run, where);
        loaded.trained_levels      = loaded.adapters.levels;
        if (loaded.adapters.shared_adapter.empty() && loaded.adapters.levels.size() <= 1) {
            // One adapter (a static run, or a run saved before precision levels) serves every bit-width:
            // evaluating it at other bits is post-training quantization of base + adapter.
            loaded.adapters.shared_adapter = loaded.adapters.levels.empty()
                                                 ? *adapter_names(loaded.model).begin()
                                                 : loaded.adapters.levels[0].name();
        }
    }
    if (run.contains("quantization"))
        set_quant_settings(loaded, quant::quant_settings_from_json(run["quantization"], where));
    load_quant_ranges(loaded.model, dir);
    return loaded;
}

void set_quant_settings(LoadedModel& loaded, const quant::QuantSettings& settings) {
    loaded.quant = settings;
    loaded.model->set_quant_options(settings.linear, settings.kv_per_head);
}

std::vector<quant::PrecisionConfig> precision_configs(const LoadedModel& loaded,
                                                      const std::vector<std::string>& texts,
                                                      const std::vector<int>& level_indices) {
    const int64_t n_layer = loaded.model->transformer->config.n_layer;
    std::vector<quant::PrecisionConfig> configs;
    for (const auto& t : texts) configs.push_back(quant::parse_precision(t, n_layer, loaded.adapters));
    if (!level_indices.empty())
        configs.push_back(quant::precision_from_level_indices(level_indices, n_layer, loaded.adapters));
    if (configs.empty()) {
        for (const auto& level : loaded.trained_levels)
            configs.push_back(quant::parse_precision(level.name(), n_layer, loaded.adapters));
        if (configs.empty()) configs.push_back(quant::parse_precision("fp", n_layer, loaded.adapters));
    }
    return configs;
}

quant::ModelSize model_size_of(const LoadedModel& loaded, const quant::PrecisionConfig& config) {
    std::vector<quant::LinearShape> shapes;
    int64_t linear_params = 0, all_params = 0;
    for (const auto& [name, layer] : loaded.model->linear_layers()) {
        shapes.push_back({name, layer->in_features, layer->out_features, layer->bias.defined()});
        linear_params += layer->weight.numel() + (layer->bias.defined() ? layer->bias.numel() : 0);
    }
    for (const auto& p : loaded.model->named_parameters()) {
        if (p.key().find(".lora_") == std::string::npos) all_params += p.value().numel();
    }
    return quant::model_size(shapes, config, all_params - linear_params, loaded.quant);
}

void save_quant_ranges(const Gpt2ForQuestionAnswering& model, const std::filesystem::path& dir) {
    std::vector<std::pair<std::string, torch::Tensor>> tensors;
    for (const auto& [layer, linear] : model->linear_layers()) {
        if (quant::EmaRange::observed(linear->input_range()))
            tensors.emplace_back(layer + ".input_range", linear->input_range());
    }
    if (!tensors.empty()) save_safetensors(dir / "quant_ranges.safetensors", tensors, {{"format", "pt"}});
}

void load_quant_ranges(Gpt2ForQuestionAnswering& model, const std::filesystem::path& dir) {
    const auto file = dir / "quant_ranges.safetensors";
    if (!std::filesystem::exists(file)) return;
    const SafetensorsReader reader(file);
    std::set<std::string> used;
    torch::NoGradGuard no_grad;
    for (auto& [layer, linear] : model->linear_layers()) {
        const std::string key = layer + ".input_range";
        if (!reader.contains(key)) continue;
        const auto t = reader.tensor(key).to(torch::kFloat32);
        if (t.sizes() != linear->input_range().sizes()) {
            throw InputError(fmt::format("{}: \"{}\" must hold 2 values [lo, hi]", reader.path(), key));
        }
        linear->input_range().copy_(t);
        used.insert(key);
    }
    for (const auto& [key, entry] : reader.entries()) {
        if (!used.count(key))
            throw InputError(fmt::format("{}: unexpected tensor \"{}\" (no such layer)", reader.path(), key));
    }
}

}  // namespace bitswitch::model
