// PEFT-like adapter folders and LoRA run folders.
#include "bitswitch/model/run_folder.h"

#include <array>
#include <map>
#include <set>

#include <fmt/format.h>
#include <torch/torch.h>
#include <nlohmann/json.hpp>

#include "bitswitch/core/error.h"
#include "bitswitch/core/io.h"
#include "bitswitch/core/json_file.h"
#include "bitswitch/model/run_metadata.h"
#include "bitswitch/model/safetensors.h"

namespace bitswitch::model {
namespace {

const std::string kPeftPrefix = "base_model.model.";

// Unit name -> the layer's module path in the model ("h.0.attn.c_attn" -> "transformer.h.0.attn.c_attn").
std::map<std::string, std::string> module_paths(const QuantModel& model) {
    std::map<const torch::nn::Module*, std::string> path_of;
    for (const auto& item : model.named_modules()) path_of[item.value().get()] = item.key();
    std::map<std::string, std::string> paths;
    for (const auto& [unit, layer] : model.linear_layers()) paths[unit] = path_of.at(layer.get());
    return paths;
}

bool is_head(const QuantModel& model, const std::string& unit) {
    for (const auto& u : model.units()) {
        if (u.name == unit) return u.kind == quant::UnitKind::kHead;
    }
    return false;
}

}  // namespace

std::vector<std::string> adapter_names(const QuantModel& model) {
    std::vector<std::string> names;
    for (const auto& [unit, layer] : model.linear_layers()) {
        for (const auto& name : layer->adapter_order()) {
            if (std::find(names.begin(), names.end(), name) == names.end()) names.push_back(name);
        }
    }
    return names;
}

void save_lora_run(const QuantModel& model, const std::filesystem::path& dir, const std::string& base_model,
                   const nlohmann::json& extra) {
    const auto paths     = module_paths(model);
    nlohmann::json names = nlohmann::json::array();
    // Adapter folders of an earlier run in the same folder must not outlive it.
    std::filesystem::remove_all(dir / "adapters");
    for (const auto& name : adapter_names(model)) {
        std::vector<std::pair<std::string, torch::Tensor>> tensors;
        quant::LoRAOptions options;
        std::set<std::string> targets;
        std::vector<std::pair<std::string, torch::Tensor>> heads;  // written after the adapters' tensors
        for (const auto& [unit, linear] : model.linear_layers()) {
            const std::string prefix = kPeftPrefix + paths.at(unit);
            if (is_head(model, unit)) {
                heads.emplace_back(prefix + ".weight", linear->weight);
                if (linear->bias.defined()) heads.emplace_back(prefix + ".bias", linear->bias);
            }
            const auto it = linear->adapters().find(name);
            if (it == linear->adapters().end()) continue;
            options = it->second->options;
            targets.insert(unit.substr(unit.rfind('.') + 1));
            tensors.emplace_back(prefix + ".lora_A.weight", it->second->A);
            tensors.emplace_back(prefix + ".lora_B.weight", it->second->B);
        }
        tensors.insert(tensors.end(), heads.begin(), heads.end());
        std::vector<std::string> head_modules;
        for (const auto& u : model.units()) {
            if (u.kind == quant::UnitKind::kHead) head_modules.push_back(paths.at(u.name));
        }
        const nlohmann::ordered_json config{{"peft_type", "LORA"},
                                            {"task_type", "QUESTION_ANS"},
                                            {"base_model_name_or_path", base_model},
                                            {"r", options.rank},
                                            {"lora_alpha", options.alpha},
                                            {"lora_dropout", options.dropout},
                                            {"target_modules", targets},
                                            {"fan_in_fan_out", true},  // GPT-2's Conv1D base weights
                                            {"bias", "none"},
                                            {"modules_to_save", head_modules}};
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

void load_adapters(QuantModel& model, const std::filesystem::path& dir) {
    const auto root = dir / "adapters";
    if (!std::filesystem::is_directory(root))
        throw InputError(fmt::format("{}: no adapters folder", dir.string()));
    std::vector<std::string> names = read_run_metadata(dir).adapter_names;
    if (names.empty()) {
        // A run that does not list its adapters (written before the list existed): every folder, by name.
        for (const auto& e : std::filesystem::directory_iterator(root)) {
            if (e.is_directory()) names.push_back(e.path().filename().string());
        }
        std::sort(names.begin(), names.end());
    }
    if (names.empty()) throw InputError(fmt::format("{}: no adapter folders", root.string()));
    const auto paths = module_paths(model);
    torch::NoGradGuard no_grad;
    for (const auto& name : names) {
        const auto config_path = root / name / "adapter_config.json";
        const quant::LoRAOptions options =
            parse_adapter_config(core::read_json_file(config_path), config_path.string());
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
        for (auto& [unit, linear] : model.linear_layers()) {
            const std::string prefix = kPeftPrefix + paths.at(unit);
            if (is_head(model, unit) && reader.contains(prefix + ".weight")) {
                copy(linear->weight, prefix + ".weight");
                if (linear->bias.defined()) copy(linear->bias, prefix + ".bias");
            }
            if (!reader.contains(prefix + ".lora_A.weight")) continue;
            if (!linear->adapters().count(name)) linear->add_adapter(name, options);
            auto& adapter = linear->adapters().at(name);
            copy(adapter->A, prefix + ".lora_A.weight");
            copy(adapter->B, prefix + ".lora_B.weight");
        }
        for (const auto& [key, entry] : reader.entries()) {
            if (!used.count(key))
                throw InputError(fmt::format("{}: unexpected tensor \"{}\"", reader.path(), key));
        }
    }
}

namespace {

/// The EMA ranges a linear records, by their key suffix in quant_ranges.safetensors.
std::array<std::pair<const char*, torch::Tensor*>, 2> ranges_of(quant::QuantLoRALinearImpl& linear) {
    return {{{".input_range", &linear.input_range()}, {".output_range", &linear.output_range()}}};
}

}  // namespace

void save_quant_ranges(const QuantModel& model, const std::filesystem::path& dir) {
    std::vector<std::pair<std::string, torch::Tensor>> tensors;
    for (auto& [unit, linear] : model.linear_layers()) {
        for (const auto& [suffix, range] : ranges_of(*linear)) {
            if (quant::EmaRange::observed(*range)) tensors.emplace_back(unit + suffix, *range);
        }
    }
    if (!tensors.empty()) save_safetensors(dir / "quant_ranges.safetensors", tensors, {{"format", "pt"}});
}

void load_quant_ranges(QuantModel& model, const std::filesystem::path& dir) {
    const auto file = dir / "quant_ranges.safetensors";
    if (!std::filesystem::exists(file)) return;
    const SafetensorsReader reader(file);
    std::set<std::string> used;
    torch::NoGradGuard no_grad;
    for (auto& [unit, linear] : model.linear_layers()) {
        for (const auto& [suffix, range] : ranges_of(*linear)) {
            const std::string key = unit + suffix;
            if (!reader.contains(key)) continue;
            const auto t = reader.tensor(key).to(torch::kFloat32);
            if (t.sizes() != range->sizes()) {
                throw InputError(fmt::format("{}: \"{}\" must hold 2 values [lo, hi]", reader.path(), key));
            }
            range->copy_(t);
            used.insert(key);
        }
    }
    for (const auto& [key, entry] : reader.entries()) {
        if (!used.count(key))
            throw InputError(fmt::format("{}: unexpected tensor \"{}\" (no such layer)", reader.path(), key));
    }
}

}  // namespace bitswitch::model
