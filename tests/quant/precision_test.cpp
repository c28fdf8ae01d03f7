// Precision levels and configs: every accepted form, resolution against trained levels, each error.
#include <gtest/gtest.h>

#include "bitswitch/core/error.h"
#include "bitswitch/quant/precision.h"
#include "support/temp_dir.h"
#include "support/tiny_model.h"

namespace bitswitch::quant {
namespace {

// GPT-2's units with n blocks: what users' configs resolve against.
UnitList units(int64_t n_layer) {
    return bitswitch::testing::gpt2_units(n_layer);
}

AdapterSet bare() {
    return {};
}

AdapterSet trained(std::vector<int> bits) {
    LevelLists lists;
    lists.w_bits = bits;
    return {make_levels(lists), ""};
}

template <class Fn>
void expect_input_error(Fn fn, const std::string& fragment) {
    try {
        fn();
        FAIL() << "no error, expected one mentioning " << fragment;
    } catch (const InputError& e) {
        EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
    }
}

TEST(Precision, LevelsAreSortedFromHighToLowWithDefaultsFollowingWBits) {
    LevelLists lists;
    lists.w_bits      = {4, 8, 16};
    lists.a_bits      = {8};
    lists.ranks       = {4, 8, 16};
    const auto levels = make_levels(lists);
    ASSERT_EQ(levels.size(), 3u);
    EXPECT_EQ(levels[0].name(), "w16a8kv8");
    EXPECT_EQ(levels[0].lora.rank, 16);
    EXPECT_EQ(levels[1].name(), "8");
    EXPECT_EQ(levels[2].name(), "w4a8kv8");
    EXPECT_EQ(levels[2].lora.rank, 4);
}

TEST(Precision, LevelListErrors) {
    LevelLists unequal;
    unequal.w_bits = {16, 8};
    unequal.ranks  = {16, 8, 4};
    expect_input_error([&] { make_levels(unequal); },
                       "--w_bits has 2 values for 3 levels: give one value or 3");
    LevelLists twice;
    twice.w_bits = {8, 8};
    expect_input_error([&] { make_levels(twice); }, "level 8 is given twice");
    LevelLists bad;
    bad.w_bits = {1};
    expect_input_error([&] { make_levels(bad); }, "1 bits is not supported");
}

TEST(Precision, BitsAreWrittenAsANumberFpOrLetters) {
    const auto all8 = parse_bits("8", "x");
    EXPECT_EQ(*all8.w, 8);
    EXPECT_EQ(*all8.kv, 8);
    EXPECT_EQ(*parse_bits("fp", "x").a, 32);
    const auto mixed = parse_bits("w4a8kv16", "x");
    EXPECT_EQ(*mixed.w, 4);
    EXPECT_EQ(*mixed.a, 8);
    EXPECT_EQ(*mixed.kv, 16);
    EXPECT_FALSE(parse_bits("w4a8", "x").kv.has_value());
    for (const char* bad : {"", "w", "x8", "w4w4", "w4a", "w17", "a1", "8bit", "w4a8kv8q"}) {
        EXPECT_THROW(parse_bits(bad, "x"), InputError) << bad;
    }
}

TEST(Precision, UniformConfigOnABareModel) {
    const auto c = parse_precision("w4a8", units(2), bare());
    ASSERT_EQ(c.units.size(), 11u);  // 2 blocks x 5 units + qa_outputs
    EXPECT_EQ(c.at("h.1.mlp.c_fc").bits, (BitWidths{4, 8, 32}));
    EXPECT_EQ(c.at("h.0.attn.kv").bits, (BitWidths{4, 8, 32}));
    EXPECT_EQ(c.at("qa_outputs").adapter, "");
}

TEST(Precision, ConfigsPickTheTrainedLevelAndItsAdapter) {
    const auto levels = trained({16, 8});
    const auto c      = parse_precision("8", units(2), levels);
    EXPECT_EQ(c.at("h.0.attn.c_attn").adapter, "8");
    EXPECT_EQ(c.at("qa_outputs").bits, (BitWidths{8, 8, 8}));
    expect_input_error([&] { parse_precision("w4", units(2), levels); },
                       "no trained level has bits w4 (levels: 16, 8)");
    LevelLists kv;
    kv.w_bits  = {8, 8};
    kv.kv_bits = {8, 16};
    expect_input_error(
        [&] {
            parse_precision("w8a8", units(2), AdapterSet{make_levels(kv), ""});
        },
        "matches levels");
    // A shared adapter serves any bits.
    AdapterSet shared{levels.levels, AdapterSet::kSharedName};
    EXPECT_EQ(parse_precision("w5", units(2), shared).at("h.1.mlp.c_proj").adapter, AdapterSet::kSharedName);
}

TEST(Precision, ListGivesEachBlockThenTheHead) {
    const auto c = parse_precision("8, 16 ,fp", units(2), bare());
    EXPECT_EQ(c.at("h.0.attn.kv").bits, (BitWidths{8, 8, 8}));
    EXPECT_EQ(c.at("h.1.mlp.c_proj").bits, (BitWidths{16, 16, 16}));
    EXPECT_EQ(c.at("qa_outputs").bits, (BitWidths{32, 32, 32}));
    expect_input_error([] { parse_precision("8,8", units(2), bare()); }, "a list needs 3 entries");
    const auto idx =
        precision_from_level_indices({1, 0, 1}, units(2), trained({8, 16}), "m");  // levels sorted: 16, 8
    EXPECT_EQ(idx.at("h.0.attn.c_attn").adapter, "8");
    EXPECT_EQ(idx.at("h.1.attn.c_attn").adapter, "16");
    expect_input_error(
        [] {
            precision_from_level_indices({0, 2, 0}, units(2), trained({8, 16}), "m");
        },
        "--activate_lora_idx 2: m has 2 trained level(s), indices 0..1 (16, 8)");
}

TEST(Precision, FilePatternsMostSpecificWins) {
    testing::TempDir dir;
    const auto json = dir.write(
        "mixed.json",
        R"({"default": 8, "h.0-1.attn.c_proj": "w4a8", "h.*.mlp.*": 6, "h.2.mlp.c_fc": 5, "qa_outputs": 16})");
    const auto toml = dir.write("mixed.toml",
                                "default = 8\n\"h.0-1.attn.c_proj\" = \"w4a8\"\n\"h.*.mlp.*\" = "
                                "6\n\"h.2.mlp.c_fc\" = 5\nqa_outputs = 16\n");
    for (const auto& file : {json, toml}) {
        const auto c = parse_precision(file.string(), units(3), bare());
        EXPECT_EQ(c.at("h.1.attn.c_proj").bits, (BitWidths{4, 8, 32})) << file;
        EXPECT_EQ(c.at("h.2.attn.c_proj").bits, (BitWidths{8, 8, 8})) << file;
        EXPECT_EQ(c.at("h.1.mlp.c_fc").bits, (BitWidths{6, 6, 6})) << file;
        EXPECT_EQ(c.at("h.2.mlp.c_fc").bits, (BitWidths{5, 5, 5})) << file;
        EXPECT_EQ(c.at("h.0.attn.kv").bits, (BitWidths{8, 8, 8})) << file;
        EXPECT_EQ(c.at("qa_outputs").bits, (BitWidths{16, 16, 16})) << file;
    }
}

TEST(Precision, FileErrorsNameThePatternOrUnit) {
    testing::TempDir dir;
    const auto write = [&](const std::string& text) { return dir.write("p.json", text).string(); };
    expect_input_error(
        [&] {
            parse_precision(write(R"({"h.*.mlp.c_fc": 4, "h.0.mlp.*": 6, "default": 8})"), units(2), bare());
        },
        "\"h.*.mlp.c_fc\" and \"h.0.mlp.*\" both match h.0.mlp.c_fc");
    expect_input_error(
        [&] { parse_precision(write(R"({"h.*.mlp.c_fx": 4, "default": 8})"), units(2), bare()); },
        "\"h.*.mlp.c_fx\" matches no unit of this model");
    expect_input_error([&] { parse_precision(write(R"({"h.*.mlp.*": 4})"), units(2), bare()); },
                       "no pattern matches h.0.attn.c_attn");
    expect_input_error([&] { parse_precision(write(R"({"default": "w4q"})"), units(2), bare()); },
                       "\"w4q\" is not a precision");
    expect_input_error([&] { parse_precision(write(R"({"default": [8]})"), units(2), bare()); },
                       "a level is a number or a string");
    expect_input_error([&] { parse_precision((dir.path() / "missing.toml").string(), units(2), bare()); },
                       "no file");
}

TEST(Precision, ModuleGroupsQuantizeExactlyTheirUnits) {
    const auto u = units(2);
    // Seed 004's three post-training variants: all layers, attention only, feed-forward only.
    const auto attention = parse_precision("attention=4", u, bare());
    const auto fc        = parse_precision("fc=w8a8", u, bare());
    for (const auto& [name, p] : attention.units) {
        const bool in_attention = name.find(".attn.c_") != std::string::npos;
        EXPECT_EQ(p.bits, in_attention ? (BitWidths{4, 4, 4}) : (BitWidths{})) << name;
    }
    for (const auto& [name, p] : fc.units) {
        const bool in_fc = name.find(".mlp.") != std::string::npos;
        EXPECT_EQ(p.bits, in_fc ? (BitWidths{8, 8, 32}) : (BitWidths{})) << name;
    }
    // Modules in files and inline with other patterns: a literal pattern beats a module, a module "*".
    testing::TempDir dir;
    const auto file = dir.write("groups.json", R"({"default": 16, "attention": 8, "h.1.attn.c_proj": 4,
                                                    "*.*.*": 6, "kv": 5})");
    for (const auto& c :
         {parse_precision(file.string(), u, bare()),
          parse_precision("default=16,attention=8,h.1.attn.c_proj=4,*.*.*=6,kv=5", u, bare())}) {
        EXPECT_EQ(c.at("h.0.attn.c_attn").bits, (BitWidths{8, 8, 8}));
        EXPECT_EQ(c.at("h.1.attn.c_proj").bits, (BitWidths{4, 4, 4}));
        EXPECT_EQ(c.at("h.0.attn.kv").bits, (BitWidths{5, 5, 5}));
        EXPECT_EQ(c.at("h.1.mlp.c_fc").bits, (BitWidths{6, 6, 6}));
        EXPECT_EQ(c.at("qa_outputs").bits, (BitWidths{16, 16, 16}));
    }
    EXPECT_EQ(module_names(u), (std::vector<std::string>{"attention", "kv", "fc", "head"}));
    expect_input_error([&] { parse_precision("ffn=4", u, bare()); }, "modules: attention, kv, fc, head");
    expect_input_error([&] { parse_precision("attention=4,fc", u, bare()); }, "\"fc\" is not PATTERN=LEVEL");
}

// Found by fuzzing: a range bound beyond int ended in std::stoi's out_of_range escaping as a library error,
// an integer level beyond int was truncated (4294967304 read as 8), a TOML float beyond int64 converted.
TEST(Precision, NumbersOfAnyLengthAreComparedNotConverted) {
    const auto c = parse_precision_file(R"({"default": 8, "h.01-99999999999999999999.mlp.*": 4})", "p.json",
                                        units(3), bare());
    EXPECT_EQ(c.at("h.0.mlp.c_fc").bits, (BitWidths{8, 8, 8}));
    EXPECT_EQ(c.at("h.1.mlp.c_fc").bits, (BitWidths{4, 4, 4}));
    EXPECT_EQ(c.at("h.2.mlp.c_proj").bits, (BitWidths{4, 4, 4}));
    expect_input_error(
        [&] { parse_precision_file(R"({"default": 4294967304})", "p.json", units(2), bare()); },
        "p.json: \"default\": \"4294967304\" is not a precision");
    expect_input_error([&] { parse_precision_file("default = 4294967304\n", "p.toml", units(2), bare()); },
                       "\"4294967304\" is not a precision");
    // And a float beyond int64 in TOML (toml++ converted it out of range: undefined behaviour, UBSan).
    expect_input_error([&] { parse_precision_file("default = 1.5e99\n", "p.toml", units(2), bare()); },
                       "p.toml: \"default\": a level is a number or a string");
}

TEST(Precision, WithUnitsAtChangesOnlyTheNamedUnitsAndResolvesTheirAdapter) {
    const auto u    = units(2);
    const auto set  = trained({8, 4});
    const auto base = parse_precision("8", u, set);
    const auto c    = with_units_at(base, {"h.1.mlp.c_fc", "h.1.attn.kv"}, "4", u, set, "8 + h.1@4");
    EXPECT_EQ(c.source, "8 + h.1@4");
    EXPECT_EQ(c.at("h.1.mlp.c_fc").bits, (BitWidths{4, 4, 4}));
    EXPECT_EQ(c.at("h.1.mlp.c_fc").adapter, "4");
    EXPECT_EQ(c.at("h.1.attn.kv").bits.kv, 4);
    EXPECT_EQ(c.at("h.1.mlp.c_proj").bits, (BitWidths{8, 8, 8}));  // untouched
    EXPECT_EQ(c.at("h.0.mlp.c_fc").adapter, "8");
    expect_input_error([&] { with_units_at(base, {"h.9.mlp.c_fc"}, "4", u, set, "x"); },
                       "no unit h.9.mlp.c_fc");
    expect_input_error([&] { with_units_at(base, {"h.0.mlp.c_fc"}, "6", u, set, "x"); },
                       "no trained level has bits");
}

}  // namespace
}  // namespace bitswitch::quant
