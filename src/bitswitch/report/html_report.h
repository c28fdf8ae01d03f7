// `bitswitch report`: one self-contained HTML page from training runs and analysis results. Inputs are
//   a training run folder   log.jsonl (loss, learning rate), schedule.jsonl (bits and loss per pass, modes
//                           other than static), eval_results.json (the final evaluation)
//   a result file           sweep.jsonl, sensitivity.jsonl, search.jsonl or attack.jsonl, recognised by
//                           its fields
//   a folder of results     the files above that it holds (an --output_dir of sweep, sensitivity, search,
//                           attack)
// Sections: inputs, training curves, bit schedule, precision table, sensitivity heatmap, Pareto frontier
// (predicted and measured), robustness (the attack matrix's F1 change as a heatmap, and its table).
// Charts are inline SVG (report/svg_plot.h); the page loads nothing.
#pragma once

#include <string>
#include <vector>

namespace bitswitch::report {

/// The ids of the page's sections, in order (anchors: report.html#pareto).
inline constexpr const char* kSectionIds[] = {"inputs",      "training", "schedule",  "precision",
                                              "sensitivity", "pareto",   "robustness"};

/// The page, with every section or only those named in `only`. InputError naming an input that is none of
/// the kinds above (and what to give instead), or an unknown section.
std::string build_report(const std::vector<std::string>& inputs, const std::string& title,
                         const std::vector<std::string>& only = {});

}  // namespace bitswitch::report
