// The report's pieces with exact expectations: tick values, escaping, chart and heatmap contents, input
// detection and its errors.
#include "bitswitch/report/svg_plot.h"

#include <gtest/gtest.h>

#include "bitswitch/core/error.h"
#include "bitswitch/core/io.h"
#include "bitswitch/report/html_report.h"
#include "support/temp_dir.h"

namespace bitswitch::report {
namespace {

TEST(SvgPlot, TicksAreOneTwoOrFiveTimesAPowerOfTenAndCoverTheRange) {
    EXPECT_EQ(nice_ticks(0, 9.3), (std::vector<double>{0, 2, 4, 6, 8, 10}));
    EXPECT_EQ(nice_ticks(3, 8), (std::vector<double>{3, 4, 5, 6, 7, 8}));
    EXPECT_EQ(nice_ticks(92, 100), (std::vector<double>{92, 94, 96, 98, 100}));
    const auto small = nice_ticks(0, 0.003);
    ASSERT_EQ(small.size(), 4u);
    EXPECT_DOUBLE_EQ(small[3], 0.003);
    EXPECT_EQ(nice_ticks(-1.2, 1.2).front(), -1.5);
}

TEST(SvgPlot, TextIsEscapedAndEverySeriesIsInTheLegend) {
    EXPECT_EQ(xml_escape("a<b & \"c\" 'd'>"), "a&lt;b &amp; &quot;c&quot; &#39;d&#39;&gt;");
    LineChart chart{"F1 <by> bits", "bits", "F1 (%)", {}};
    chart.series.push_back(
        {"exact & measured", {3, 4}, {90, 95}, {88, 93}, {92, 97}, SeriesStyle::kLine, false});
    chart.series.push_back({"empty", {}, {}, {}, {}, SeriesStyle::kPoints, true});
    const auto svg = render_svg(chart);
    EXPECT_EQ(svg.rfind("<svg xmlns=\"http://www.w3.org/2000/svg\"", 0), 0u);
    EXPECT_NE(svg.find("F1 &lt;by&gt; bits"), std::string::npos);
    EXPECT_NE(svg.find("</title>exact &amp; measured<"), std::string::npos);
    EXPECT_NE(svg.find("</title>empty<"), std::string::npos);
    EXPECT_EQ(std::count(svg.begin(), svg.end(), '\n') > 10, true);
    // Two error bars, each a path with caps.
    size_t bars = 0;
    for (size_t at = svg.find("<path d=\"M"); at != std::string::npos; at = svg.find("<path d=\"M", at + 1))
        ++bars;
    EXPECT_EQ(bars, 2u);
}

// A legend entry too long for its column keeps its end behind an ellipsis; the full name is its tooltip.
TEST(SvgPlot, LongLegendNamesKeepTheirEndAndTheFullNameAsTooltip) {
    EXPECT_EQ(tail_label("short", 21), "short");
    EXPECT_EQ(tail_label("runs/example_report/sweep/fp", 10), "\u2026/sweep/fp");  // the ellipsis and 9 more
    EXPECT_EQ(tail_label("ab\u00e9\u00e9\u00e9", 3), "\u2026\u00e9\u00e9");  // whole characters, not bytes
    LineChart chart{"t", "x", "y", {}};
    const std::string name = "runs/example_report/sweep/precision_fp_vs_4";
    chart.series.push_back({name, {1}, {2}, {}, {}, SeriesStyle::kPoints, false});
    const auto svg = render_svg(chart);
    EXPECT_NE(svg.find("<title>" + name + "</title>\u2026"), std::string::npos) << svg;
    EXPECT_NE(svg.find("precision_fp_vs_4</text>"), std::string::npos);
    EXPECT_EQ(svg.find("</title>runs/"), std::string::npos);
}

TEST(SvgPlot, HeatmapCellsCarryTheirValuesAndTheScaleIsSymmetric) {
    Heatmap h;
    h.title        = "drops";
    h.rows         = {"h.0", "h.1"};
    h.columns      = {"4", "3"};
    h.values       = {{0.5, 2.0}, {-1.0, std::nullopt}};
    h.id           = "hm";
    const auto svg = render_svg(h);
    for (const auto* text : {">0.50<", ">2.00<", ">-1.00<", ">–<", "url(#hm)", ">-2<", ">2<"})
        EXPECT_NE(svg.find(text), std::string::npos) << text;
    EXPECT_NE(svg.find("fill=\"#b2182b\""), std::string::npos);  // the largest value: the far red
}

TEST(HtmlReport, ForeignFilesUnknownSectionsAndEmptyFoldersAreNamed) {
    bitswitch::testing::TempDir dir;
    const auto other = dir.write("other.jsonl", "{\"step\": 1}\n");
    try {
        build_report({other.string()}, "t");
        FAIL() << "no error";
    } catch (const InputError& e) {
        EXPECT_NE(
            std::string(e.what()).find("other.jsonl is not a sweep, sensitivity, search or attack result"),
            std::string::npos)
            << e.what();
    }
    EXPECT_THROW(build_report({dir.path().string()}, "t"), InputError);  // no run, no results
    EXPECT_THROW(build_report({(dir.path() / "missing").string()}, "t"), InputError);
    const auto sweep = dir.write(
        "sweep.jsonl",
        R"({"config":"8","exact_match":[90,85,95],"f1":[92,88,96],"reference":"fp","exact_match_diff":[0,0,0],)"
        R"("f1_diff":[-1,-2,0],"avg_weight_bits":8,"model_bytes":1e6,"bit_operations_per_token":1,"questions":10})"
        "\n");
    EXPECT_THROW(build_report({sweep.string()}, "t", {"heatmap"}), InputError);
    const auto page = build_report({sweep.string()}, "t", {"precision"});
    EXPECT_NE(page.find("<section id=\"precision\">"), std::string::npos);
    EXPECT_EQ(page.find("<section id=\"training\">"), std::string::npos);
    EXPECT_NE(page.find("92.00 [88.00, 96.00]"), std::string::npos);
    const auto full = build_report({sweep.string()}, "t");
    for (const auto* id : kSectionIds)
        EXPECT_NE(full.find(std::string("<section id=\"") + id + "\">"), std::string::npos) << id;
}

// A GLUE sweep and sensitivity show the task's metric (CoLA: MCC) where SQuAD's show F1.
TEST(HtmlReport, GlueSweepAndSensitivityFilesShowTheirTasksMetric) {
    bitswitch::testing::TempDir dir;
    const auto sweep = dir.write(
        "sweep.jsonl",
        R"({"config":"4","task":"cola","metric":"mcc","mcc":[30,20,40],"accuracy":[70,66,74],"reference":"fp",)"
        R"("mcc_diff":[-5,-9,-1],"accuracy_diff":[-2,-4,0],"avg_weight_bits":4,"model_bytes":2e6,"examples":209})"
        "\n");
    const auto sensitivity = dir.write(
        "sensitivity.jsonl",
        R"({"target":"layer.0","level":"4","base":"8","metric":"mcc","mcc":[28,18,38],"mcc_drop":[3,1,5],)"
        R"("kl":0.1,"fisher":null})"
        "\n");
    const auto page = build_report({sweep.string(), sensitivity.string()}, "t", {"precision", "sensitivity"});
    for (const auto* text : {"209 cola rows", "<th>mcc (%)</th>", "30.00 [20.00, 40.00]",
                             "-5.00 [-9.00, -1.00]", "mcc against average weight bits", "measured mcc drop"})
        EXPECT_NE(page.find(text), std::string::npos) << text;
    EXPECT_EQ(page.find("EM (%)"), std::string::npos);
}

}  // namespace
}  // namespace bitswitch::report
