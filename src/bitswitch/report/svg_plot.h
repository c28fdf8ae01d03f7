// Charts as inline SVG for the HTML report: a line/point chart with axes, ticks, units, legend and optional
// error bars, and a heatmap with a colour legend. Plain strings in, one <svg> element out: no scripts, fonts
// or styles from outside, so the page renders the same offline in any browser.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace bitswitch::report {

enum class SeriesStyle { kLine, kPoints, kStep };

struct Series {
    std::string name;
    std::vector<double> x, y;
    std::vector<double> low, high;  // error bars (empty: none); same length as y
    SeriesStyle style = SeriesStyle::kLine;
    bool dashed       = false;
};

struct LineChart {
    std::string title, x_label, y_label;  // labels carry the units: "step", "F1 (%)"
    std::vector<Series> series;
    int width = 720, height = 360;
};

/// The chart as an <svg> element. Series without points are left out of the plot, not the legend.
std::string render_svg(const LineChart& chart);

struct Heatmap {
    std::string title, row_label, column_label, value_label;  // value_label: "F1 drop (points)"
    std::vector<std::string> rows, columns;
    std::vector<std::vector<std::optional<double>>> values;  // [row][column]; none: an empty cell
    std::string id = "heat";  // unique on the page: names the legend's gradient
    int cell_width = 64, cell_height = 22;
};

/// The heatmap as an <svg> element: a diverging scale (blue below zero, white at zero, red above) scaled to
/// the largest magnitude, each cell labelled with its value, and a legend bar.
std::string render_svg(const Heatmap& heatmap);

/// "1", "2", "5" times a power of ten: about `count` round tick values covering [low, high].
std::vector<double> nice_ticks(double low, double high, int count = 6);

/// Text safe inside XML/HTML elements and attribute values.
std::string xml_escape(const std::string& text);
/// `text` cut to its last `max_chars` characters behind a leading "…" when longer (whole UTF-8
/// characters): a legend keeps the end of a path, where runs differ.
std::string tail_label(const std::string& text, size_t max_chars);

}  // namespace bitswitch::report
