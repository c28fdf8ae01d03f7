// bitswitch export: load, resolve the config, write (export.h).
#include "bitswitch/model/export.h"

#include "bitswitch/core/runtime.h"
#include "bitswitch/model/loaded_model.h"
#include "bitswitch/text/bpe_tokenizer.h"

namespace bitswitch::model {

ExportReport run_export(const ExportConfig& c) {
    const auto loaded    = LoadedModel::load(c.model_dir, c.quant_override);
    const auto config    = loaded.configs(c.precision, c.activate_lora_idx).front();
    const auto tokenizer = text::BpeTokenizer::load(core::tokenizer_dir_for(c.tokenizer_dir, c.model_dir));
    return {export_gguf(loaded, config, tokenizer, c.type, c.output), config.source};
}

}  // namespace bitswitch::model
