// The synthetic QA generator: entities, fact templates, question templates, span bookkeeping.
#include "bitswitch/data/synth.h"

#include <algorithm>
#include <array>
#include <map>
#include <numeric>
#include <random>
#include <set>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "bitswitch/core/error.h"
#include "bitswitch/core/io.h"
#include "bitswitch/text/utf8.h"

namespace bitswitch::data {
namespace {

using Rng = std::mt19937_64;

template <typename T, size_t N>
const T& pick(Rng& rng, const std::array<T, N>& items) {
    return items[std::uniform_int_distribution<size_t>(0, N - 1)(rng)];
}

constexpr std::array<const char*, 24> kSyllables      = {"ka", "lo", "mi", "ren", "tor", "vel", "sa", "dan",
                                                         "el", "is", "or", "ul",  "ba",  "ne",  "ri", "ta",
                                                         "zo", "fe", "gu", "har", "win", "mar", "jo", "bel"};
constexpr std::array<const char*, 8> kCitySuffixes    = {"ton",  "burg",  "ville", "ford",
                                                         "grad", "mouth", "stead", "field"};
constexpr std::array<const char*, 6> kCompanySuffixes = {"Industries", "Labs",  "Works",
                                                         "Systems",    "Foods", "Shipping"};
constexpr std::array<const char*, 30> kOccupations    = {
       "architect", "botanist",   "carpenter",    "chemist",    "composer",      "engineer",
       "farmer",    "historian",  "journalist",   "lawyer",     "librarian",     "nurse",
       "painter",   "pharmacist", "photographer", "pilot",      "poet",          "sculptor",
       "surgeon",   "teacher",    "translator",   "astronomer", "geologist",     "economist",
       "chef",      "baker",      "diplomat",     "novelist",   "mathematician", "veterinarian"};
constexpr std::array<const char*, 12> kInstruments = {"piano",  "cello",    "flute", "guitar",
                                                      "violin", "trumpet",  "harp",  "clarinet",
                                                      "oboe",   "trombone", "banjo", "accordion"};
// A few names with non-ASCII letters keep the code point offsets honest.
constexpr std::array<const char*, 6> kAccented = {"José", "Zoë", "Renée", "Björn", "Łukasz", "Año"};

std::string capitalize(std::string s) {
    if (!s.empty()) s[0] = char(s[0] - 'a' + 'A');
    return s;
}

std::string word(Rng& rng, int syllables) {
    std::string w;
    for (int i = 0; i < syllables; ++i) w += pick(rng, kSyllables);
    return capitalize(w);
}

struct Person {
    std::string name, city, occupation, company, instrument, year;
    // Distractors: facts of the same kinds that no question asks about.
    std::string other_city, other_year, other_company, other_instrument, other_occupation;
};

// Names come from two halves of the name space: the first syllable's index is even for train, odd for dev.
std::string person_name(Rng& rng, bool dev) {
    std::string first;
    if (std::uniform_int_distribution<int>(0, 19)(rng) == 0) {
        first = pick(rng, kAccented);
    } else {
        for (;;) {
            const size_t i = std::uniform_int_distribution<size_t>(0, kSyllables.size() - 1)(rng);
            if ((i % 2 == 1) == dev) {
                first = capitalize(kSyllables[i]) +
                        kSyllables[std::uniform_int_distribution<size_t>(0, kSyllables.size() - 1)(rng)];
                break;
            }
        }
    }
    return first + " " + word(rng, 2);
}

// A rendered sentence: text plus where each fact's value sits in it (byte offsets).
struct Slot {
    std::string fact;  // "year", "city", "occupation", "company", "instrument"
    size_t begin;
    std::string value;
};

struct Sentence {
    std::string text;
    std::vector<Slot> slots;
};

// "a" or "an" before a word, by its first letter (every word the generator uses follows that rule).
const char* article_for(const std::string& word) {
    return !word.empty() && std::string("aeiouAEIOU").find(word[0]) != std::string::npos ? "an" : "a";
}

// Fills "{P} was born in {year}." style templates, recording the byte offset of every {fact}. "{a fact}"
// puts the article the value needs before it ("an astronomer"); the slot holds the value alone.
Sentence render(const std::string& tmpl, const Person& p) {
    Sentence s;
    size_t i = 0;
    while (i < tmpl.size()) {
        if (tmpl[i] != '{') {
            s.text.push_back(tmpl[i++]);
            continue;
        }
        const size_t close      = tmpl.find('}', i);
        std::string key         = tmpl.substr(i + 1, close - i - 1);
        i                       = close + 1;
        const bool with_article = key.rfind("a ", 0) == 0;
        if (with_article) key = key.substr(2);
        const std::map<std::string, const std::string*> values = {{"P", &p.name},
                                                                  {"year", &p.year},
                                                                  {"city", &p.city},
                                                                  {"occupation", &p.occupation},
                                                                  {"company", &p.company},
                                                                  {"instrument", &p.instrument},
                                                                  {"other_city", &p.other_city},
                                                                  {"other_year", &p.other_year},
                                                                  {"other_company", &p.other_company},
                                                                  {"other_instrument", &p.other_instrument},
                                                                  {"other_occupation", &p.other_occupation}};
        const std::string& value                               = *values.at(key);
        if (with_article) s.text += std::string(article_for(value)) + " ";
        if (key != "P") s.slots.push_back({key, s.text.size(), value});
        s.text += value;
    }
    return s;
}

// The person is always named before the facts: a causal model (GPT-2) scores a token as an answer start
// or end from the text up to that token, so a fact stated before its person ("{company} employs {P}")
// could not be told apart from the other people's facts.
const std::vector<std::string> kFactTemplates = {
    "{P} was born in {year}.",
    "{P} was born in the year {year}.",
    "The birth year of {P} is {year}.",
    "{P} was born in {city}.",
    "{P} comes from {city}.",
    "{P} grew up in the city of {city}.",
    "{P} works as {a occupation}.",
    "{P} is {a occupation} by profession.",
    "By trade, {P} is {a occupation}.",
    "{P} works for {company}.",
    "{P} is employed by {company}.",
    "{P} has a job at {company}.",
    "{P} plays the {instrument}.",
    "In the evenings, {P} plays the {instrument}.",
    "{P} has played the {instrument} for years.",
    "{P}, {a occupation} from {city}, was born in {year}.",
    "{P} was born in {city} in {year} and later joined {company}.",
    "{P} plays the {instrument} and works as {a occupation}.",
};

// Confusable facts about the same person: a second year and city, a former employer, an instrument once
// tried, a parent's occupation. The cue before each value ("moved to", "previously") tells them apart.
const std::vector<std::string> kDistractorTemplates = {
    "{P} moved to {other_city} in {other_year}.",
    "In {other_year}, {P} visited {other_city}.",
    "{P} previously worked for {other_company}.",
    "Before that, {P} had a job at {other_company}.",
    "{P} once tried the {other_instrument} but gave it up.",
    "The father of {P} was {a other_occupation}.",
};

// Near misses: a relative's fact in the words of the person's own fact ("The sister of P was born in 1923"
// beside "P was born in 1950"). Only the relation before the cue tells them apart, which a small causal
// model learns only in part: the harder task (--near_misses) that analysis needs.
const std::vector<std::string> kNearMissTemplates = {
    "The sister of {P} was born in {other_year}.",    "{P}'s brother was born in {other_city}.",
    "The mother of {P} works for {other_company}.",   "{P}'s cousin plays the {other_instrument}.",
    "A friend of {P} works as {a other_occupation}.",
};

const std::vector<std::pair<std::string, std::vector<std::string>>> kQuestionTemplates = {
    {"year", {"When was {P} born?", "In what year was {P} born?", "What year was {P} born in?"}},
    {"city", {"Where was {P} born?", "In which city was {P} born?", "Where does {P} come from?"}},
    {"occupation",
     {"What is the occupation of {P}?", "What does {P} do for a living?", "What is {P}'s profession?"}},
    {"company", {"Which company does {P} work for?", "Who employs {P}?", "For which company does {P} work?"}},
    {"instrument", {"What instrument does {P} play?", "Which instrument does {P} play?"}},
};

// Other wordings of the same questions, for dev only (--held_out_questions): a model must carry what it
// learned from the training wordings over to new ones, which a small model does only in part.
const std::vector<std::pair<std::string, std::vector<std::string>>> kHeldOutQuestionTemplates = {
    {"year",
     {"What was {P}'s year of birth?", "{P} was born in which year?", "When did {P} come into the world?"}},
    {"city", {"What is the hometown of {P}?", "{P} was born in which city?", "Which town is {P} from?"}},
    {"occupation", {"What job does {P} have?", "{P} works as what?", "What kind of work does {P} do?"}},
    {"company", {"Where does {P} work?", "What firm is {P} employed by?", "{P} has a job at which company?"}},
    {"instrument",
     {"{P} plays which instrument?", "What does {P} play?", "Which musical instrument does {P} like?"}},
};

struct Paragraph {
    std::string title, context;
    std::vector<nlohmann::ordered_json> qas;
};

Paragraph make_paragraph(Rng& rng, const SynthOptions& o, int64_t index) {
    std::vector<Person> people;
    std::set<std::string> used_names;
    // A count drawn per paragraph only when asked, so that fixed counts keep their data.
    const int count = o.min_people > 0 && o.min_people < o.people_per_paragraph
                          ? std::uniform_int_distribution<int>(o.min_people, o.people_per_paragraph)(rng)
                          : o.people_per_paragraph;
    while (int(people.size()) < count) {
        Person p;
        p.name = person_name(rng, o.dev_names);
        if (!used_names.insert(p.name).second) continue;
        p.city          = word(rng, 2) + pick(rng, kCitySuffixes);
        p.occupation    = pick(rng, kOccupations);
        p.company       = word(rng, 2) + " " + pick(rng, kCompanySuffixes);
        p.instrument    = pick(rng, kInstruments);
        p.year          = std::to_string(std::uniform_int_distribution<int>(1820, 2005)(rng));
        p.other_city    = word(rng, 2) + pick(rng, kCitySuffixes);
        p.other_year    = std::to_string(std::uniform_int_distribution<int>(1820, 2005)(rng));
        p.other_company = word(rng, 2) + " " + pick(rng, kCompanySuffixes);
        do p.other_instrument = pick(rng, kInstruments);
        while (p.other_instrument == p.instrument);
        do p.other_occupation = pick(rng, kOccupations);
        while (p.other_occupation == p.occupation);
        people.push_back(p);
    }
    // Every fact of every person is stated once: greedily take templates that cover facts still unstated.
    struct Placed {
        Sentence sentence;
        int person;
    };
    std::vector<Placed> sentences;
    for (int pi = 0; pi < int(people.size()); ++pi) {
        std::set<std::string> missing{"year", "city", "occupation", "company", "instrument"};
        while (!missing.empty()) {
            const std::string& tmpl =
                kFactTemplates[std::uniform_int_distribution<size_t>(0, kFactTemplates.size() - 1)(rng)];
            Sentence s         = render(tmpl, people[size_t(pi)]);
            const bool all_new = std::all_of(s.slots.begin(), s.slots.end(),
                                             [&](const Slot& sl) { return missing.count(sl.fact); });
            if (!all_new) continue;
            for (const auto& sl : s.slots) missing.erase(sl.fact);
            sentences.push_back({s, pi});
        }
        if (o.distractors) {
            std::vector<size_t> kinds(kDistractorTemplates.size());
            std::iota(kinds.begin(), kinds.end(), 0);
            std::shuffle(kinds.begin(), kinds.end(), rng);
            for (size_t d = 0; d < 3; ++d)
                sentences.push_back({render(kDistractorTemplates[kinds[d]], people[size_t(pi)]), pi});
        }
        if (o.near_misses > 0) {
            std::vector<size_t> kinds(kNearMissTemplates.size());
            std::iota(kinds.begin(), kinds.end(), 0);
            std::shuffle(kinds.begin(), kinds.end(), rng);
            for (int d = 0; d < o.near_misses; ++d)
                sentences.push_back({render(kNearMissTemplates[kinds[size_t(d)]], people[size_t(pi)]), pi});
        }
    }
    std::shuffle(sentences.begin(), sentences.end(), rng);
    Paragraph para;
    para.title = fmt::format("synthetic_{}", index);
    // fact key "person:fact" -> (byte offset in context, value)
    std::map<std::string, std::pair<size_t, std::string>> where;
    for (const auto& placed : sentences) {
        if (!para.context.empty()) para.context += " ";
        for (const auto& sl : placed.sentence.slots) {
            where[std::to_string(placed.person) + ":" + sl.fact] = {para.context.size() + sl.begin, sl.value};
        }
        para.context += placed.sentence.text;
    }
    const auto cp_of_byte = text::utf8_byte_to_code_point(para.context);
    for (int pi = 0; pi < int(people.size()); ++pi) {
        std::vector<size_t> kinds(kQuestionTemplates.size());
        std::iota(kinds.begin(), kinds.end(), 0);
        std::shuffle(kinds.begin(), kinds.end(), rng);
        for (int q = 0; q < o.questions_per_person && q < int(kinds.size()); ++q) {
            const auto& [fact, forms] =
                (o.held_out_questions ? kHeldOutQuestionTemplates : kQuestionTemplates)[kinds[size_t(q)]];
            const std::string& form = forms[std::uniform_int_distribution<size_t>(0, forms.size() - 1)(rng)];
            const auto [offset, value] = where.at(std::to_string(pi) + ":" + fact);
            nlohmann::ordered_json qa;
            qa["answers"]  = {{{"answer_start", cp_of_byte[offset]}, {"text", value}}};
            qa["question"] = render(form, people[size_t(pi)]).text;
            qa["id"]       = fmt::format("{}{:06d}_{}_{}", o.dev_names ? "dev" : "train", index, pi, fact);
            para.qas.push_back(qa);
        }
    }
    return para;
}

}  // namespace

std::string synth_squad_json(const SynthOptions& o) {
    Rng rng(o.seed);
    nlohmann::ordered_json data = nlohmann::ordered_json::array();
    for (int64_t i = 0; i < o.paragraphs; ++i) {
        const Paragraph p = make_paragraph(rng, o, i);
        data.push_back({{"title", p.title}, {"paragraphs", {{{"context", p.context}, {"qas", p.qas}}}}});
    }
    return nlohmann::ordered_json{{"data", data}, {"version", "1.1"}}.dump() + "\n";
}

std::string synth_corpus(const SynthOptions& o) {
    Rng rng(o.seed);
    std::string out;
    for (int64_t i = 0; i < o.paragraphs; ++i) out += make_paragraph(rng, o, i).context + "\n";
    return out;
}

SynthFiles write_synth_dataset(const SynthDatasetConfig& c) {
    if (c.people_per_paragraph < 1 || c.questions_per_person < 1 || c.questions_per_person > 5) {
        throw InputError(
            "data synth: --people_per_paragraph must be >= 1 and --questions_per_person in 1..5");
    }
    if (c.near_misses < 0 || c.near_misses > int(kNearMissTemplates.size()))
        throw InputError(
            fmt::format("data synth: --near_misses must be in 0..{}", kNearMissTemplates.size()));
    if (c.min_people_per_paragraph < 0 || c.min_people_per_paragraph > c.people_per_paragraph)
        throw InputError("data synth: --min_people_per_paragraph must be in 1..--people_per_paragraph");
    if (c.train_paragraphs < 0 || c.dev_paragraphs < 0)
        throw InputError("data synth: --train_paragraphs and --dev_paragraphs must not be negative");
    // Dev draws from its own generator (a seed far from train's) and from the other half of the names.
    const SynthOptions train{c.train_paragraphs,
                             c.people_per_paragraph,
                             c.questions_per_person,
                             c.seed,
                             false,
                             c.distractors,
                             c.near_misses,
                             false,
                             c.min_people_per_paragraph};
    const SynthOptions dev{
        c.dev_paragraphs, c.people_per_paragraph, c.questions_per_person, c.seed + 1000003,          true,
        c.distractors,    c.near_misses,          c.held_out_questions,   c.min_people_per_paragraph};
    const std::filesystem::path out = c.output_dir;
    const SynthFiles files{out / "train.json", out / "dev.json", out / "corpus.txt"};
    core::write_file_atomic(files.train, synth_squad_json(train));
    core::write_file_atomic(files.dev, synth_squad_json(dev));
    core::write_file_atomic(files.corpus, synth_corpus(train));
    return files;
}

}  // namespace bitswitch::data
