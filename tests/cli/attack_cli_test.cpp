// `bitswitch attack pgd` end to end: the matrix table and its files, and bad input as exit 2 with one line.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "bitswitch/core/io.h"
#include "bitswitch/data/squad.h"
#include "bitswitch/data/synth.h"
#include "bitswitch/model/checkpoint.h"
#include "support/program.h"
#include "support/temp_dir.h"
#include "support/tiny_model.h"

namespace bitswitch::cli {
namespace {

using bitswitch::testing::TempDir;

// A tiny GPT-2 over the real vocabulary (no trained levels) and three synthetic questions.
struct AttackCliFixture {
    TempDir dir;
    std::string model, squad;
    AttackCliFixture() {
        auto cfg        = bitswitch::testing::tiny_config();
        cfg.vocab_size  = 50257;
        cfg.n_positions = 128;
        model           = (dir.path() / "model").string();
        model::save_pretrained(bitswitch::testing::tiny_model(3, cfg), model);
        squad = dir.write("dev.json", data::synth_squad_json({3, 1, 1, 5, true, false})).string();
    }
    bitswitch::testing::ProgramRun run(const std::string& args, const std::string& attack = "pgd") const {
        return bitswitch::testing::run_bitswitch(
            "attack " + attack + " --model " + model + " --validation_file " + squad +
            " --max_seq_length 96 --doc_stride 32 --max_question_length 24 " + args);
    }
};

size_t count_lines(const std::string& text) {
    return size_t(std::count(text.begin(), text.end(), '\n'));
}

// Lines that start with "error:".
size_t error_lines(const std::string& text) {
    size_t n = 0, at = 0;
    while (at < text.size()) {
        if (text.compare(at, 6, "error:") == 0) ++n;
        const auto end = text.find('\n', at);
        if (end == std::string::npos) break;
        at = end + 1;
    }
    return n;
}

TEST(AttackCli, PgdPrintsTheMatrixAndWritesItsFiles) {
    AttackCliFixture f;
    const auto out = (f.dir.path() / "attack").string();
    const auto r   = f.run(
          "--craft_at fp 4 eot --eval_at fp rpi --rpi_levels 8 4 --rpi_draws 2 --eot_samples 2 "
            "--steps 2 --bootstrap_resamples 50 --output_dir " +
          out);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.out.find("| fp | fp |"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("| 4 | rpi (x2) |"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("| eot | rpi (x2) |"), std::string::npos) << r.out;
    const auto cells = core::read_file(out + "/attack.jsonl");
    EXPECT_EQ(count_lines(cells), 6u);
    const auto first = nlohmann::json::parse(cells.substr(0, cells.find('\n')));
    EXPECT_EQ(first["budget"]["steps"], 2);
    EXPECT_EQ(first["budget"]["rpi"], "rpi{8,4}/layer");
    EXPECT_EQ(count_lines(core::read_file(out + "/questions.jsonl")), 6u * 3u);
    const auto whole = nlohmann::json::parse(core::read_file(out + "/attack.json"));
    EXPECT_EQ(whole["cells"].size(), 6u);
    EXPECT_EQ(whole["craft_seconds"].size(), 3u);  // fp, 4, eot
    EXPECT_EQ(count_lines(core::read_file(out + "/attack.csv")), 7u);
    // The report's robustness section reads the folder: the matrix as a heatmap and a table.
    const auto page = (f.dir.path() / "report.html").string();
    const auto rep  = bitswitch::testing::run_bitswitch("report " + out + " --only robustness -o " + page);
    ASSERT_EQ(rep.exit_code, 0) << rep.err;
    const auto html = core::read_file(page);
    EXPECT_NE(html.find("F1 change under pgd"), std::string::npos);
    EXPECT_NE(html.find("<td>eot</td><td>rpi</td>"), std::string::npos);
}

// The adversarial questions GBDA writes are a SQuAD file `eval` reads: evaluated there at the crafting
// precision they score what the attack's own table says.
TEST(AttackCli, GbdaAdversarialFileRoundTripsThroughEval) {
    AttackCliFixture f;
    const auto out = (f.dir.path() / "gbda").string();
    const auto r   = f.run(
          "--craft_at fp --iterations 2 --samples 2 --hard_samples 4 --initial_coeff 1 "
            "--bootstrap_resamples 20 -o jsonl --output_dir " +
              out,
          "gbda");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const auto cell = nlohmann::json::parse(r.out.substr(0, r.out.find('\n')));
    EXPECT_EQ(cell["attack"], "gbda");
    EXPECT_GT(cell["craft_stats"]["mean_tokens_changed"].get<double>(), 0.0);
    const auto file = out + "/adversarial-fp.json";
    const auto e    = bitswitch::testing::run_bitswitch(
           "eval --model " + f.model + " --validation_file " + file +
           " --max_seq_length 96 --doc_stride 32 --max_question_length 24 --precision fp --output_dir " + out +
           "/eval");
    ASSERT_EQ(e.exit_code, 0) << e.err;
    const auto results = nlohmann::json::parse(core::read_file(out + "/eval/eval_results.json"));
    EXPECT_NEAR(results["f1"].get<double>(), cell["adversarial_f1"][0].get<double>(), 1e-9);
    EXPECT_NEAR(results["exact_match"].get<double>(), cell["adversarial_exact_match"][0].get<double>(), 1e-9);
}

TEST(AttackCli, WordAttackPrintsItsEditsAndWritesTheAdversarialFile) {
    AttackCliFixture f;
    const auto out = (f.dir.path() / "word").string();
    const auto r   = f.run("--craft_at fp --top_k 2 --bootstrap_resamples 20 --output_dir " + out, "word");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.out.find("| fp | fp |"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("Edits crafted at fp: mean_attackable_words"), std::string::npos) << r.out;
    const auto adversarial = data::load_squad(out + "/adversarial-fp.json");
    EXPECT_EQ(adversarial.examples.size(), 3u);
}

TEST(AttackCli, TextAttacksRejectBadFlagsWithOneLine) {
    AttackCliFixture f;
    const std::tuple<std::string, std::string, std::string> cases[] = {
        {"gbda", "--iterations 0", "--iterations 0 is out of range"},
        {"gbda", "--kappa -1", "--kappa -1 is out of range"},
        {"word", "--top_k 0", "--top_k 0 is out of range"},
        {"word", "--max_candidates 0", "--max_candidates 0 is out of range"},
        {"word", "--wordnet /nonexistent/wordnet", "/nonexistent/wordnet"},
        {"word", "--craft_at 4x", "--craft_at 4x"},
    };
    for (const auto& [attack, flags, message] : cases) {
        const auto r = f.run(flags, attack);
        EXPECT_EQ(r.exit_code, 2) << attack << " " << flags << "\n" << r.err;
        EXPECT_NE(r.err.find(message), std::string::npos) << attack << " " << flags << "\n" << r.err;
        EXPECT_EQ(error_lines(r.err), 1u) << attack << " " << flags << "\n" << r.err;
    }
}

TEST(AttackCli, BadBudgetsPrecisionsAndQuestionsExitTwoWithOneLine) {
    AttackCliFixture f;
    const std::pair<std::string, std::string> cases[] = {
        {"--eps 0", "--eps 0 is out of range"},
        {"--steps 0", "--steps 0 is out of range"},
        {"--preset seed999", "--preset seed999: unknown"},
        {"--eval_at eot", "--eval_at eot"},
        {"--craft_at 4x", "--craft_at 4x"},
        {"--craft_at rpi", "--rpi_levels"},  // a bare model has no trained levels to draw from
        {"--craft_at rpi --rpi_levels 8 4 --rpi_probs 1", "probabilities for 2 levels"},
        {"--craft_at rpi --rpi_levels 8 --rpi_draws 0", "--rpi_draws 0 is out of range"},
    };
    for (const auto& [flags, message] : cases) {
        const auto r = f.run(flags);
        EXPECT_EQ(r.exit_code, 2) << flags << "\n" << r.err;
        EXPECT_NE(r.err.find(message), std::string::npos) << flags << "\n" << r.err;
        // One error line (a busy machine may add prepare_compute's BLAS speed warning before it).
        EXPECT_EQ(error_lines(r.err), 1u) << flags << "\n" << r.err;
    }
    const auto v2 = f.dir.write(
        "v2.json",
        R"({"version": "v2.0", "data": [{"title": "t", "paragraphs": [{"context": "Warsaw is in Poland.",
            "qas": [{"id": "q1", "question": "Where is Warsaw?", "answers": [], "is_impossible": true}]}]}]})");
    const auto r = bitswitch::testing::run_bitswitch("attack pgd --model " + f.model + " --validation_file " +
                                                     v2.string() + " --craft_at fp");
    EXPECT_EQ(r.exit_code, 2) << r.err;
    EXPECT_NE(r.err.find("question q1 has no answer"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace bitswitch::cli
