// What the result files of the analysis and attack commands share: an interval as [estimate, low, high]
// in JSON, read back with a message naming file and line, and the --output_dir files written one per
// format, each atomically.
#pragma once

#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "bitswitch/core/enum_names.h"
#include "bitswitch/eval/bootstrap.h"

namespace bitswitch::eval {

enum class OutputFormat { kMarkdown, kCsv, kJsonl };
inline constexpr core::EnumName<OutputFormat> kOutputFormatNames[] = {
    {OutputFormat::kMarkdown, "md"}, {OutputFormat::kCsv, "csv"}, {OutputFormat::kJsonl, "jsonl"}};

/// A CSV field: quoted (with doubled quotes) when it holds a comma, a quote or a newline.
std::string csv_field(const std::string& text);

/// An interval of scores in [0, 1] in percent.
inline Interval percent(const Interval& i) {
    return {100 * i.estimate, 100 * i.low, 100 * i.high};
}

/// "91.20 [89.00, 93.10]" (sign: "+1.20 [-0.50, +2.90]", for differences), as tables print an interval.
std::string interval_text(const Interval& interval, bool sign = false);

/// [estimate, low, high], or null for none.
nlohmann::ordered_json interval_json(const std::optional<Interval>& interval);

/// The interval under `key` of a result line: none when absent or null; InputError naming `where` when it is
/// not [estimate, low, high].
std::optional<Interval> interval_from_json(const nlohmann::json& line, const char* key,
                                           const std::string& where);

/// <dir>/<stem>.md, .csv, .jsonl (those of `formats`), each format(f) written atomically.
void write_result_files(const std::filesystem::path& dir, const std::string& stem,
                        const std::vector<OutputFormat>& formats,
                        const std::function<std::string(OutputFormat)>& format);

}  // namespace bitswitch::eval
