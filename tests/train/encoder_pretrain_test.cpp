#include "bitswitch/train/encoder_pretrain.h"

#include <fstream>

#include <gtest/gtest.h>
#include <torch/torch.h>
#include <nlohmann/json.hpp>

#include "bitswitch/core/runtime.h"
#include "bitswitch/model/encoder_checkpoint.h"
#include "support/paths.h"
#include "support/temp_dir.h"

namespace bitswitch::train {
namespace {

TEST(EncoderPretrain, MaskingChoosesFifteenPercentAndSplitsThem80_10_10) {
    const int64_t B = 200, T = 100;
    const auto ids = torch::randint(1000, 2000, {B, T}, torch::kLong);
    auto maskable  = torch::ones({B, T}, torch::kBool);
    maskable.select(1, 0).fill_(false);  // <s>
    std::vector<int64_t> pool(5000);
    for (size_t i = 0; i < pool.size(); ++i)
        pool[i] = int64_t(10000 + i);  // disjoint from ids: replacements show
    std::mt19937_64 rng(3);
    const auto m      = mask_for_mlm(ids, maskable, 0.15, 7, pool, rng);
    const auto chosen = m.targets.ne(-100);
    const double n    = double(B * (T - 1));
    const double k    = chosen.sum().item<double>();
    // Binomial(19800, 0.15): sd 50 tokens; 5 sd either way.
    EXPECT_NEAR(k / n, 0.15, 5 * std::sqrt(0.15 * 0.85 / n));
    EXPECT_FALSE(chosen.select(1, 0).any().item<bool>());                       // never a special token
    EXPECT_TRUE(torch::equal(m.targets.index({chosen}), ids.index({chosen})));  // targets: the originals
    EXPECT_TRUE(torch::equal(m.input_ids.index({~chosen}), ids.index({~chosen})));
    const auto in          = m.input_ids.index({chosen});
    const double masked    = in.eq(7).sum().item<double>() / k;
    const double replaced  = in.ge(10000).sum().item<double>() / k;
    const double unchanged = in.eq(ids.index({chosen})).sum().item<double>() / k;
    const double sd        = std::sqrt(0.1 * 0.9 / k);
    EXPECT_NEAR(masked, 0.8, 5 * std::sqrt(0.8 * 0.2 / k));
    EXPECT_NEAR(replaced, 0.1, 5 * sd);
    EXPECT_NEAR(unchanged, 0.1, 5 * sd);
    EXPECT_DOUBLE_EQ(masked + replaced + unchanged, 1.0);

    // The same generator state gives the same masking; a batch is never left without a target.
    std::mt19937_64 a(9), b(9);
    EXPECT_TRUE(torch::equal(mask_for_mlm(ids, maskable, 0.15, 7, pool, a).input_ids,
                             mask_for_mlm(ids, maskable, 0.15, 7, pool, b).input_ids));
    const auto one = mask_for_mlm(ids.slice(0, 0, 1).slice(1, 0, 3), maskable.slice(0, 0, 1).slice(1, 0, 3),
                                  1e-9, 7, pool, a);
    EXPECT_EQ(one.targets.ne(-100).sum().item<int64_t>(), 1);
    EXPECT_EQ(one.input_ids[0][1].item<int64_t>(), 7);
}

TEST(EncoderPretrain, ATinyEncoderLearnsAndSavesAFolderThatLoads) {
    core::keep_freed_memory();  // as the program does: 5 s instead of 60 (the step's big blocks reused)
    bitswitch::testing::TempDir dir;
    // One sentence of distinct words, three times: every masked word is determined by its neighbours, so
    // a model that learns gets far below the uniform guess ln(12) = 2.48 nats. The size and steps are what
    // the same task needs in PyTorch (scripts/checks/mlm_tiny_task.py: an nn.TransformerEncoder of this shape
    // reaches 0.2-0.65 nats over the last 40 steps for 5 seeds; width 16 with one layer stays near 1.9-2.2
    // after 200 steps).
    std::ofstream(dir.path() / "corpus.txt") << "one two three four five six seven eight nine ten eleven\n"
                                                "one two three four five six seven eight nine ten eleven\n"
                                                "one two three four five six seven eight nine ten eleven\n";
    EncoderPretrainConfig c;
    c.corpus_files                  = {(dir.path() / "corpus.txt").string()};
    c.output_dir                    = (dir.path() / "out").string();
    c.model.hidden_size             = 64;
    c.model.num_hidden_layers       = 2;
    c.model.num_attention_heads     = 2;
    c.model.intermediate_size       = 128;
    c.model.max_position_embeddings = 34;
    c.model.hidden_dropout_prob = c.model.attention_probs_dropout_prob = 0.0;
    c.seq_length                                                       = 16;
    c.batch_size                                                       = 8;
    c.max_steps                                                        = 300;
    c.warmup_steps                                                     = 5;
    c.logging_steps                                                    = 50;
    c.learning_rate                                                    = 2e-3;
    c.save_dtype                                                       = torch::kFloat32;
    const auto result                                                  = run_encoder_pretraining(c);
    std::ifstream log(dir.path() / "out" / "pretrain_log.jsonl");
    std::string first;
    std::getline(log, first);
    EXPECT_GT(nlohmann::json::parse(first)["loss"].get<double>(), 1.5);
    EXPECT_LT(result.final_loss, 1.2);   // mean of the last 50 steps
    EXPECT_EQ(result.corpus_vocab, 12);  // 11 words and </s>
    const auto loaded = model::load_encoder_pretrained(
        dir.path() / "out", model::EncoderHead::kSequenceClassification, {"negative", "positive"});
    EXPECT_TRUE(loaded.head_initialized);
    EXPECT_EQ(loaded.model->roberta->config.vocab_size, 50261);
    EXPECT_EQ(loaded.model->roberta->config.pad_token_id, 1);
}

}  // namespace
}  // namespace bitswitch::train
