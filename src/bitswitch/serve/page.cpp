// The page at GET / (page.h): one HTML file with its style and script inline.
#include "bitswitch/serve/page.h"

namespace bitswitch::serve {

const std::string& qa_page_html() {
    static const std::string html = R"html(<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>bitswitch QA</title>
<style>
  body { font: 15px/1.5 system-ui, sans-serif; max-width: 52rem; margin: 2rem auto; padding: 0 1rem; color: #1d1d1f; }
  h1 { font-size: 1.4rem; margin-bottom: .2rem; }
  p.sub { color: #555; margin-top: 0; }
  label { display: block; font-weight: 600; margin: 1rem 0 .3rem; }
  textarea, input, select { width: 100%; box-sizing: border-box; font: inherit; padding: .45rem; border: 1px solid #bbb; border-radius: 6px; }
  textarea { min-height: 9rem; }
  .row { display: flex; gap: 1rem; align-items: end; }
  .row > div { flex: 1; }
  button { margin-top: 1rem; font: inherit; padding: .5rem 1.4rem; border: 0; border-radius: 6px; background: #2c5fb3; color: #fff; cursor: pointer; }
  button:disabled { background: #8aa5d6; }
  #result { margin-top: 1.5rem; }
  #answer { font-size: 1.2rem; font-weight: 600; }
  #facts { color: #555; }
  #marked { white-space: pre-wrap; background: #f6f6f8; padding: .8rem; border-radius: 6px; }
  mark { background: #ffe27a; padding: 0 .1rem; }
  .error { color: #b00020; }
</style>
</head>
<body>
<h1>bitswitch QA</h1>
<p class="sub">One model, many precisions: ask a question about a paragraph and pick the bit-width it runs at.</p>
<form id="form">
  <label for="context">Paragraph</label>
  <textarea id="context" required>The Eiffel Tower was completed in 1889 for the World's Fair in Paris. It was designed by the engineering company of Gustave Eiffel and is 330 metres tall.</textarea>
  <div class="row">
    <div><label for="question">Question</label><input id="question" required value="When was the Eiffel Tower completed?"></div>
    <div style="flex: 0 0 12rem"><label for="precision">Precision</label><select id="precision"></select></div>
  </div>
  <button id="ask" type="submit">Ask</button>
</form>
<div id="result" hidden>
  <div id="answer"></div>
  <div id="facts"></div>
  <p id="marked"></p>
</div>
<p id="error" class="error" hidden></p>
<script>
const $ = (id) => document.getElementById(id);
async function loadPrecisions() {
  const models = await (await fetch('/v1/models')).json();
  const names = [models.default_precision, ...models.trained_levels, 'fp', '8', '4'];
  for (const name of [...new Set(names)]) {
    const option = document.createElement('option');
    option.value = option.textContent = name;
    $('precision').appendChild(option);
  }
}
function showMarked(context, start, end) {
  const chars = Array.from(context);  // offsets count code points
  const marked = $('marked');
  marked.textContent = '';
  marked.append(chars.slice(0, start).join(''));
  const mark = document.createElement('mark');
  mark.textContent = chars.slice(start, end).join('');
  marked.append(mark, chars.slice(end).join(''));
}
$('form').addEventListener('submit', async (event) => {
  event.preventDefault();
  $('ask').disabled = true;
  $('error').hidden = true;
  const body = { question: $('question').value, context: $('context').value, precision: $('precision').value };
  try {
    const response = await fetch('/v1/qa', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
    const reply = await response.json();
    if (!response.ok) throw new Error(reply.error || response.statusText);
    $('answer').textContent = reply.answer || '(no answer)';
    $('facts').textContent = `precision ${reply.precision} · score ${reply.score.toFixed(2)} · probability ${(100 * reply.probability).toFixed(1)}% · ${reply.latency_ms.toFixed(1)} ms`;
    showMarked(body.context, reply.start, reply.end);
    $('result').hidden = false;
  } catch (error) {
    $('error').textContent = error.message;
    $('error').hidden = false;
  } finally {
    $('ask').disabled = false;
  }
});
// A link can carry the question: /?question=...&context=...&precision=... fills the form and asks.
async function start() {
  try {
    await loadPrecisions();
  } catch (error) {
    $('error').textContent = 'cannot list precisions: ' + error.message;
    $('error').hidden = false;
  }
  const params = new URLSearchParams(location.search);
  if (!params.has('question')) return;
  $('question').value = params.get('question');
  if (params.has('context')) $('context').value = params.get('context');
  const precision = params.get('precision');
  if (precision) {
    if (![...$('precision').options].some((o) => o.value === precision)) {
      const option = document.createElement('option');
      option.value = option.textContent = precision;
      $('precision').appendChild(option);
    }
    $('precision').value = precision;
  }
  $('form').requestSubmit();
}
start();
</script>
</body>
</html>
)html";
    return html;
}

}  // namespace bitswitch::serve
