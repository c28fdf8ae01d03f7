// The page the server shows at GET /: paste a paragraph, ask a question, pick a precision, see the answer
// marked in the paragraph with its score and latency. Self-contained (no external scripts, styles or fonts).
// A link `/?question=...&context=...&precision=...` fills the form and asks at once.
#pragma once

#include <string>

namespace bitswitch::serve {

const std::string& qa_page_html();

}  // namespace bitswitch::serve
