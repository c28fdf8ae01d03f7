// Axis scaling, ticks, the chart and heatmap drawings.
#include "bitswitch/report/svg_plot.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include <fmt/format.h>

namespace bitswitch::report {
namespace {

// Okabe and Ito's palette, distinguishable with the common colour-vision deficiencies (yellow left out:
// too pale on white).
constexpr const char* kColours[] = {"#0072B2", "#D55E00", "#009E73", "#CC79A7",
                                    "#E69F00", "#56B4E9", "#000000"};

std::string number(double v) {
    if (v == 0) return "0";
    const double a = std::abs(v);
    if (a >= 1e6 || a < 1e-3) return fmt::format("{:.3g}", v);
    return fmt::format("{:.6g}", std::round(v * 1e6) / 1e6);
}

struct Range {
    double low = std::numeric_limits<double>::infinity(), high = -std::numeric_limits<double>::infinity();
    void add(double v) {
        if (std::isfinite(v)) low = std::min(low, v), high = std::max(high, v);
    }
    bool empty() const { return low > high; }
};

// Axis bounds at the outer ticks of the data's range.
std::vector<double> axis_ticks(Range r) {
    if (r.empty()) r = {0, 1};
    if (r.low == r.high) r = {r.low - 1, r.high + 1};
    return nice_ticks(r.low, r.high);
}

struct Axis {
    double low, high, pixel_low, pixel_high;
    double operator()(double v) const {
        return pixel_low + (v - low) / (high - low) * (pixel_high - pixel_low);
    }
};

std::string colour_at(double t) {  // t in [-1, 1]
    t                = std::clamp(t, -1.0, 1.0);
    const int far[3] = {t >= 0 ? 178 : 33, t >= 0 ? 24 : 102, t >= 0 ? 43 : 172};
    const double a   = std::abs(t);
    const auto mix   = [&](int c) { return int(std::lround(255 + (c - 255) * a)); };
    return fmt::format("#{:02x}{:02x}{:02x}", mix(far[0]), mix(far[1]), mix(far[2]));
}

}  // namespace

std::string xml_escape(const std::string& text) {
    std::string out;
    for (const char c : text) {
        switch (c) {
            case '&':
                out += "&amp;";
                break;
            case '<':
                out += "&lt;";
                break;
            case '>':
                out += "&gt;";
                break;
            case '"':
                out += "&quot;";
                break;
            case '\'':
                out += "&#39;";
                break;
            default:
                out += c;
        }
    }
    return out;
}

std::vector<double> nice_ticks(double low, double high, int count) {
    const double raw  = (high - low) / std::max(1, count - 1);
    const double base = std::pow(10.0, std::floor(std::log10(raw)));
    double step       = base;
    for (const double m : {1.0, 2.0, 5.0, 10.0}) {
        step = m * base;
        if (step >= raw) break;
    }
    std::vector<double> ticks;
    const double first = std::floor(low / step + 1e-9) * step;
    for (double v = first; v <= high + step * (1 - 1e-9); v += step) {
        ticks.push_back(std::abs(v) < step * 1e-9 ? 0.0 : v);
        if (v >= high - step * 1e-9) break;
    }
    return ticks;
}

std::string tail_label(const std::string& text, size_t max_chars) {
    const auto continuation = [](char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; };
    size_t chars            = 0;
    for (const char c : text) chars += continuation(c) ? 0 : 1;
    if (chars <= max_chars || max_chars == 0) return text;
    size_t begin = text.size(), kept = 0;
    while (begin > 0 && kept < max_chars - 1) {  // one place for the ellipsis
        --begin;
        if (!continuation(text[begin])) ++kept;
    }
    return "\u2026" + text.substr(begin);
}

std::string render_svg(const LineChart& chart) {
    const int legend_width = 190;
    // About 6.7 px a character at 12 px sans-serif, after the 40 px of the legend's line sample.
    const size_t legend_chars = (legend_width - 44) * 10 / 67;
    const double left = 72, right = chart.width - legend_width, top = 36, bottom = chart.height - 48;
    Range xr, yr;
    for (const auto& s : chart.series) {
        for (const double v : s.x) xr.add(v);
        for (const double v : s.y) yr.add(v);
        for (const double v : s.low) yr.add(v);
        for (const double v : s.high) yr.add(v);
    }
    const auto xt = axis_ticks(xr), yt = axis_ticks(yr);
    const Axis X{xt.front(), xt.back(), left, right}, Y{yt.front(), yt.back(), bottom, top};
    std::string s = fmt::format(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{0}\" height=\"{1}\" viewBox=\"0 0 {0} {1}\" "
        "role=\"img\" aria-label=\"{2}\" font-family=\"sans-serif\" font-size=\"12\">\n",
        chart.width, chart.height, xml_escape(chart.title));
    s += fmt::format("<text x=\"{}\" y=\"20\" font-size=\"14\" font-weight=\"bold\">{}</text>\n", left,
                     xml_escape(chart.title));
    for (const double v : xt) {
        s += fmt::format(
            "<line x1=\"{0:.1f}\" y1=\"{1}\" x2=\"{0:.1f}\" y2=\"{2}\" stroke=\"#e4e4e4\"/>"
            "<text x=\"{0:.1f}\" y=\"{3}\" text-anchor=\"middle\">{4}</text>\n",
            X(v), top, bottom, bottom + 16, number(v));
    }
    for (const double v : yt) {
        s += fmt::format(
            "<line x1=\"{0}\" y1=\"{1:.1f}\" x2=\"{2}\" y2=\"{1:.1f}\" stroke=\"#e4e4e4\"/>"
            "<text x=\"{3}\" y=\"{4:.1f}\" text-anchor=\"end\">{5}</text>\n",
            left, Y(v), right, left - 6, Y(v) + 4, number(v));
    }
    s += fmt::format("<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"none\" stroke=\"#444\"/>\n",
                     left, top, right - left, bottom - top);
    s += fmt::format("<text x=\"{:.1f}\" y=\"{}\" text-anchor=\"middle\">{}</text>\n", (left + right) / 2,
                     chart.height - 12, xml_escape(chart.x_label));
    s +=
        fmt::format("<text transform=\"translate(16 {:.1f}) rotate(-90)\" text-anchor=\"middle\">{}</text>\n",
                    (top + bottom) / 2, xml_escape(chart.y_label));
    for (size_t k = 0; k < chart.series.size(); ++k) {
        const auto& series     = chart.series[k];
        const char* colour     = kColours[k % std::size(kColours)];
        const std::string dash = series.dashed ? " stroke-dasharray=\"6 4\"" : "";
        std::string points;
        for (size_t i = 0; i < series.x.size() && i < series.y.size(); ++i) {
            if (!std::isfinite(series.y[i])) continue;
            if (series.style == SeriesStyle::kStep && !points.empty())
                points += fmt::format("{:.1f},{:.1f} ", X(series.x[i]), Y(series.y[i - 1]));
            points += fmt::format("{:.1f},{:.1f} ", X(series.x[i]), Y(series.y[i]));
        }
        if (series.style != SeriesStyle::kPoints && !points.empty()) {
            s += fmt::format("<polyline fill=\"none\" stroke=\"{}\" stroke-width=\"1.6\"{} points=\"{}\"/>\n",
                             colour, dash, points);
        }
        for (size_t i = 0; i < series.x.size() && i < series.y.size(); ++i) {
            if (!series.low.empty()) {
                const double x = X(series.x[i]);
                s += fmt::format(
                    "<path d=\"M{0:.1f} {1:.1f}V{2:.1f}M{3:.1f} {1:.1f}h6M{3:.1f} {2:.1f}h6\" "
                    "stroke=\"{4}\"/>\n",
                    x, Y(series.low[i]), Y(series.high[i]), x - 3, colour);
            }
            if (series.style == SeriesStyle::kPoints || !series.low.empty())
                s += fmt::format("<circle cx=\"{:.1f}\" cy=\"{:.1f}\" r=\"3.2\" fill=\"{}\"/>\n",
                                 X(series.x[i]), Y(series.y[i]), colour);
        }
        const double ly = top + 8 + 18 * double(k);
        s += fmt::format(
            "<line x1=\"{0}\" y1=\"{1:.1f}\" x2=\"{2}\" y2=\"{1:.1f}\" stroke=\"{3}\" "
            "stroke-width=\"2.5\"{4}/>"
            "<text x=\"{5}\" y=\"{6:.1f}\"><title>{7}</title>{8}</text>\n",
            right + 12, ly, right + 34, colour, dash, right + 40, ly + 4, xml_escape(series.name),
            xml_escape(tail_label(series.name, legend_chars)));
    }
    return s + "</svg>\n";
}

std::string render_svg(const Heatmap& h) {
    size_t longest = 0;
    for (const auto& r : h.rows) longest = std::max(longest, r.size());
    const double left = 24 + 7.0 * double(longest), top = 58;
    // Wide enough for the title and for the legend bar with its label.
    const double width =
        std::max({left + h.cell_width * double(h.columns.size()) + 24, 16 + 8.0 * double(h.title.size()),
                  left + 212 + 7.0 * double(h.value_label.size()) + 16});
    const double grid_bottom = top + h.cell_height * double(h.rows.size());
    const double height      = grid_bottom + 70;
    double largest           = 0;
    for (const auto& row : h.values) {
        for (const auto& v : row) {
            if (v && std::isfinite(*v)) largest = std::max(largest, std::abs(*v));
        }
    }
    if (largest == 0) largest = 1;
    std::string s = fmt::format(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{0:.0f}\" height=\"{1:.0f}\" viewBox=\"0 0 "
        "{0:.0f} "
        "{1:.0f}\" role=\"img\" aria-label=\"{2}\" font-family=\"sans-serif\" font-size=\"11\">\n",
        width, height, xml_escape(h.title));
    s += fmt::format("<text x=\"8\" y=\"18\" font-size=\"14\" font-weight=\"bold\">{}</text>\n",
                     xml_escape(h.title));
    s += fmt::format("<text x=\"{:.1f}\" y=\"36\" text-anchor=\"middle\">{}</text>\n",
                     left + h.cell_width * double(h.columns.size()) / 2, xml_escape(h.column_label));
    s += fmt::format("<text x=\"8\" y=\"{:.1f}\" font-style=\"italic\">{}</text>\n", top - 6,
                     xml_escape(h.row_label));
    for (size_t c = 0; c < h.columns.size(); ++c) {
        s += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"middle\">{}</text>\n",
                         left + h.cell_width * (double(c) + 0.5), top - 6, xml_escape(h.columns[c]));
    }
    for (size_t r = 0; r < h.rows.size(); ++r) {
        const double y = top + h.cell_height * double(r);
        s += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"end\">{}</text>\n", left - 6,
                         y + h.cell_height * 0.68, xml_escape(h.rows[r]));
        for (size_t c = 0; c < h.columns.size(); ++c) {
            const auto v   = r < h.values.size() && c < h.values[r].size() ? h.values[r][c] : std::nullopt;
            const double x = left + h.cell_width * double(c);
            const double t = v ? *v / largest : 0;
            s += fmt::format(
                "<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"{}\" height=\"{}\" fill=\"{}\" stroke=\"#fff\"/>", x,
                y, h.cell_width, h.cell_height, v ? colour_at(t) : std::string("#f2f2f2"));
            s += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"middle\" fill=\"{}\">{}</text>\n",
                             x + h.cell_width / 2.0, y + h.cell_height * 0.68,
                             std::abs(t) > 0.6 ? "#fff" : "#000", v ? fmt::format("{:.2f}", *v) : "–");
        }
    }
    // Legend: the scale from −largest to +largest.
    const double ly = grid_bottom + 18, lw = 200;
    s +=
        fmt::format("<defs><linearGradient id=\"{}\" x1=\"0\" x2=\"1\" y1=\"0\" y2=\"0\">", xml_escape(h.id));
    for (int i = 0; i <= 4; ++i)
        s += fmt::format("<stop offset=\"{}\" stop-color=\"{}\"/>", i / 4.0, colour_at(-1 + i / 2.0));
    s += "</linearGradient></defs>\n";
    s += fmt::format(
        "<rect x=\"{}\" y=\"{:.1f}\" width=\"{}\" height=\"10\" fill=\"url(#{})\" stroke=\"#888\"/>\n", left,
        ly, lw, xml_escape(h.id));
    s += fmt::format(
        "<text x=\"{0}\" y=\"{1:.1f}\" text-anchor=\"middle\">{2}</text><text x=\"{3}\" y=\"{1:.1f}\" "
        "text-anchor=\"middle\">0</text><text x=\"{4}\" y=\"{1:.1f}\" text-anchor=\"middle\">{5}</text>\n",
        left, ly + 24, fmt::format("{:.3g}", -largest), left + lw / 2, left + lw,
        fmt::format("{:.3g}", largest));
    s += fmt::format("<text x=\"{}\" y=\"{:.1f}\">{}</text>\n", left + lw + 12, ly + 9,
                     xml_escape(h.value_label));
    return s + "</svg>\n";
}

}  // namespace bitswitch::report
