// The fuzz targets of configuration, run and deployment files and of the server's requests (see targets.h).
#include <algorithm>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "bitswitch/core/error.h"
#include "bitswitch/core/json_file.h"
#include "bitswitch/model/deployment_metadata.h"
#include "bitswitch/model/encoder_config.h"
#include "bitswitch/model/gguf_file.h"
#include "bitswitch/model/run_metadata.h"
#include "bitswitch/quant/precision.h"
#include "bitswitch/quant/quant_options.h"
#include "bitswitch/quant/quant_settings.h"
#include "bitswitch/serve/qa_request.h"
#include "cli/config_file.h"
#include "fuzz/targets.h"

namespace bitswitch::fuzz {
namespace {

// GPT-2's units for a 2-block model, as model/gpt2.cpp declares them.
quant::UnitList gpt2_units() {
    quant::UnitList units;
    for (int64_t i = 0; i < 2; ++i) {
        const std::string p = "h." + std::to_string(i) + ".";
        units.push_back({p + "attn.c_attn", quant::UnitKind::kLinear, i, 8, 24, true, "attention"});
        units.push_back({p + "attn.c_proj", quant::UnitKind::kLinear, i, 8, 8, true, "attention"});
        units.push_back({p + "attn.kv", quant::UnitKind::kKv, i, 0, 0, false, "kv"});
        units.push_back({p + "mlp.c_fc", quant::UnitKind::kLinear, i, 8, 32, true, "fc"});
        units.push_back({p + "mlp.c_proj", quant::UnitKind::kLinear, i, 32, 8, true, "fc"});
    }
    units.push_back({"qa_outputs", quant::UnitKind::kHead, 2, 8, 2, true, "head"});
    return units;
}

bool valid(const quant::BitWidths& b) {
    return quant::valid_bits(b.w) && quant::valid_bits(b.a) && quant::valid_bits(b.kv);
}

// The level and quantization settings survive being written and read back (what a run folder does).
void require_round_trip(const quant::AdapterSet& adapters, const quant::QuantSettings& settings,
                        const char* target) {
    const auto again = quant::adapter_set_from_json(quant::to_json(adapters), "written");
    require(again.levels.size() == adapters.levels.size() && again.shared_adapter == adapters.shared_adapter,
            target, "the levels read back different");
    for (size_t i = 0; i < adapters.levels.size(); ++i) {
        const auto& a = adapters.levels[i];
        const auto& b = again.levels[i];
        require(valid(a.bits) && a.bits == b.bits && a.lora.rank == b.lora.rank && a.lora.rank > 0 &&
                    a.lora.alpha == b.lora.alpha && a.lora.dropout == b.lora.dropout,
                target, "a level is invalid or reads back different");
    }
    const auto settings_again = quant::quant_settings_from_json(quant::to_json(settings), "written");
    require(quant::to_json(settings_again) == quant::to_json(settings), target,
            "the quantization settings read back different");
}

}  // namespace

void precision_config(std::string_view bytes) {
    if (bytes.empty()) return;
    static const quant::UnitList units = gpt2_units();
    quant::AdapterSet adapters;
    adapters.levels = quant::make_levels({{16, 8, 4}, {16, 8, 8}, {16, 8, 4}, {}, {}, {}});
    if (bytes[0] & 4) adapters.shared_adapter = quant::AdapterSet::kSharedName;
    const std::string text(bytes.substr(1));
    quant::PrecisionConfig config;
    try {
        switch (bytes[0] & 3) {
            case 0:
                // Inline text only: a value ending in .json or .toml would be a path to open.
                if (text.find(".json") != std::string::npos || text.find(".toml") != std::string::npos)
                    return;
                config = quant::parse_precision(text, units, adapters);
                break;
            case 1:
                config = quant::parse_precision_file(text, "fuzz.json", units, adapters);
                break;
            default:
                config = quant::parse_precision_file(text, "fuzz.toml", units, adapters);
                break;
        }
    } catch (const InputError&) {
        return;
    }
    require(quant::fits(config, units), "precision_config", "the config is not one entry per unit, in order");
    for (size_t i = 0; i < config.size(); ++i) {
        const auto& u = config[i];
        require(valid(u.bits), "precision_config", "a unit got bits outside 2..16 and 32");
        const bool known_adapter =
            u.adapter.empty() || u.adapter == adapters.shared_adapter ||
            std::any_of(adapters.levels.begin(), adapters.levels.end(),
                        [&](const quant::PrecisionLevel& l) { return l.name() == u.adapter; });
        require(known_adapter, "precision_config", "a unit got an adapter the model does not have");
    }
}

void run_metadata_json(std::string_view bytes) {
    if (bytes.empty()) return;
    const bool adapter_config = bytes[0] & 1;
    nlohmann::json j;
    try {
        j = core::parse_json(bytes.substr(1), "fuzz.json");
        if (adapter_config) {
            const auto lora = model::parse_adapter_config(j, "adapter_config.json");
            require(lora.rank > 0 && lora.rank <= 65536 && lora.dropout >= 0 && lora.dropout < 1,
                    "run_metadata_json", "an adapter config passed with a bad rank or dropout");
            return;
        }
        const auto run = model::parse_run_metadata(j, "bitswitch.json");
        require(!run.lora_run || !run.base_model.empty(), "run_metadata_json", "a LoRA run without a base");
        for (const auto& name : run.adapter_names)
            require(!name.empty(), "run_metadata_json", "an adapter without a name");
        require(run.class_labels.size() <= size_t(model::kMaxClassLabels), "run_metadata_json",
                "more classes than a classifier may have");
        for (const auto& label : run.class_labels)
            require(!label.empty(), "run_metadata_json", "a class without a name");
        require_round_trip(run.adapters, run.quantization.value_or(quant::QuantSettings{}),
                           "run_metadata_json");
    } catch (const InputError&) {
    }
}

void gguf_deployment(std::string_view bytes) {
    model::GgufContents contents;
    try {
        contents = model::parse_gguf(bytes, "fuzz.gguf");
    } catch (const InputError&) {
        return;
    }
    for (const auto& t : contents.tensors) {
        require(t.file_offset <= bytes.size() && t.bytes <= bytes.size() - t.file_offset, "gguf_deployment",
                "a tensor's bytes lie outside the file");
    }
    try {
        const auto m = model::parse_deployment_metadata(contents, "fuzz.gguf");
        for (const auto& a : m.adapters)
            require(!a.name.empty() && a.lora.rank > 0 && a.lora.rank <= 65536, "gguf_deployment",
                    "an adapter passed with no name or a bad rank");
        require_round_trip(m.adapter_set, m.settings, "gguf_deployment");
        for (const auto& t : contents.tensors) {
            model::PackedTensorName packed;
            if (model::parse_packed_tensor_name(t.name, "h.0.attn.c_attn", packed, "fuzz.gguf"))
                require(packed.w_bits >= 2 && packed.w_bits <= 8, "gguf_deployment",
                        "packed bits outside 2..8");
        }
    } catch (const InputError&) {
    }
}

void qa_request_body(std::string_view bytes) {
    constexpr int kMaxNBest    = 5;
    constexpr size_t kMaxBatch = 16;
    serve::QaBody body;
    try {
        body = serve::parse_qa_body(std::string(bytes), kMaxNBest, kMaxBatch);
    } catch (const serve::BadRequest&) {
        return;
    }
    require(!body.requests.empty() && body.requests.size() <= kMaxBatch &&
                (body.batch || body.requests.size() == 1),
            "qa_request_body", "a body passed with no questions or too many");
    for (const auto& r : body.requests) {
        require(!r.question.empty() && !r.context.empty() && r.n_best >= 1 && r.n_best <= kMaxNBest,
                "qa_request_body", "a request passed with an empty text or n_best outside 1..max");
    }
}

void toml_config(std::string_view bytes) {
    // A stand-in for `bitswitch train` with each kind of option a command has (the real commands need
    // libtorch): the file's flags must parse or fail the way a command line does, with CLI::ParseError.
    CLI::App app("bitswitch");
    auto* train          = app.add_subcommand("train");
    double learning_rate = 0;
    int64_t max_steps    = 0;
    std::vector<int> w_bits;
    std::string output_dir, mode;
    bool do_train = false;
    train->add_option("--learning_rate", learning_rate)->check(CLI::PositiveNumber);
    train->add_option("--max_steps", max_steps);
    train->add_option("--w_bits,--bit_widths", w_bits)->check(CLI::Range(2, 32));
    train->add_option("--output_dir", output_dir);
    train->add_option("--mode", mode)->check(CLI::IsMember({"static", "switchable", "cyclic"}));
    train->add_flag("--do_train", do_train);
    std::vector<std::string> flags;
    try {
        flags =
            cli::config_file_flags(*train, {"train"}, "fuzz.toml", std::string(bytes), {"--max_steps", "5"});
    } catch (const InputError&) {
        return;
    }
    std::vector<std::string> args{"train", "--max_steps", "5"};
    args.insert(args.end(), flags.begin(), flags.end());
    std::reverse(args.begin(), args.end());  // CLI11 takes the arguments last to first
    try {
        app.parse(args);
    } catch (const CLI::ParseError&) {
        return;
    }
    require(max_steps == 5, "toml_config", "the file overrode a flag given on the command line");
}

}  // namespace bitswitch::fuzz
