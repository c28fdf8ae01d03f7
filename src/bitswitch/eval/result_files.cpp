// Intervals in JSON, the output files of a result.
#include "bitswitch/eval/result_files.h"

#include <fmt/format.h>

#include "bitswitch/core/error.h"
#include "bitswitch/core/io.h"

namespace bitswitch::eval {

std::string csv_field(const std::string& s) {
    if (s.find_first_of(",\"\n") == std::string::npos) return s;
    std::string q = "\"";
    for (const char ch : s) q += ch == '"' ? std::string("\"\"") : std::string(1, ch);
    return q + "\"";
}

std::string interval_text(const Interval& i, bool sign) {
    return sign ? fmt::format("{:+.2f} [{:+.2f}, {:+.2f}]", i.estimate, i.low, i.high)
                : fmt::format("{:.2f} [{:.2f}, {:.2f}]", i.estimate, i.low, i.high);
}

nlohmann::ordered_json interval_json(const std::optional<Interval>& i) {
    return i ? nlohmann::ordered_json{i->estimate, i->low, i->high} : nlohmann::ordered_json();
}

std::optional<Interval> interval_from_json(const nlohmann::json& line, const char* key,
                                           const std::string& where) {
    const auto it = line.find(key);
    if (it == line.end() || it->is_null()) return std::nullopt;
    if (!it->is_array() || it->size() != 3 || !(*it)[0].is_number() || !(*it)[1].is_number() ||
        !(*it)[2].is_number())
        throw InputError(fmt::format("{}: {} must be [estimate, low, high]", where, key));
    return Interval{(*it)[0].get<double>(), (*it)[1].get<double>(), (*it)[2].get<double>()};
}

void write_result_files(const std::filesystem::path& dir, const std::string& stem,
                        const std::vector<OutputFormat>& formats,
                        const std::function<std::string(OutputFormat)>& format) {
    for (const auto f : formats)
        core::write_file_atomic(dir / (stem + "." + core::enum_name(kOutputFormatNames, f)), format(f));
}

}  // namespace bitswitch::eval
