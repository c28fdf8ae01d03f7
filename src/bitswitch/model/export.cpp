// bitswitch export: load, resolve the config, write (export.h).
#include "bitswitch/model/export.h"

#include <fmt/format.h>

#include "bitswitch/core/error.h"
#include "bitswitch/core/runtime.h"
#include "bitswitch/model/deployment_file.h"
#include "bitswitch/model/loaded_model.h"
#include "bitswitch/text/bpe_tokenizer.h"

namespace bitswitch::model {

ExportReport run_export(const ExportConfig& c) {
    if (is_deployment_file(c.model_dir))
        throw InputError(fmt::format("{}: a deployment file already; export from the run folder it came from",
                                     c.model_dir));
    auto loaded        = LoadedModel::load(c.model_dir, c.quant_override);
    const auto configs = loaded.configs(c.precision, c.activate_lora_idx);
    ExportReport report;
    if (c.format == ExportFormat::kBitswitch) {
        for (const auto& config : configs) {
            for (const auto& [unit, layer] : loaded.model().linear_layers()) {
                const int w_bits = config.at(unit).bits.w;
                if (w_bits > 8)
                    throw InputError(fmt::format(
                        "{}: config {} runs {} with {}-bit weights; a deployment file holds packed levels of "
                        "2..8 bits: pass the configs to serve with --precision (repeatable){}",
                        c.model_dir, config.source, unit, w_bits,
                        c.precision.empty() ? " (without it, export takes every trained level)" : ""));
            }
        }
        const auto written = write_deployment_file(
            loaded, configs, core::tokenizer_dir_for(c.tokenizer_dir, c.model_dir), c.output);
        return {written.tensors, written.bytes, written.configs, {}};
    }
    if (configs.size() != 1)
        throw InputError(
            fmt::format("--format gguf writes one precision config, {} given (--format bitswitch "
                        "holds several)",
                        configs.size()));
    const auto tokenizer = text::BpeTokenizer::load(core::tokenizer_dir_for(c.tokenizer_dir, c.model_dir));
    const auto summary   = export_gguf(loaded, configs.front(), tokenizer, c.type, c.output);
    return {summary.tensors, summary.bytes, {configs.front().source}, summary.notes};
}

}  // namespace bitswitch::model
