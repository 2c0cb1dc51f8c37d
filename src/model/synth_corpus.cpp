#include "synth_corpus.hpp"

#include <cctype>

namespace etchsim::model::detail {
namespace {

// Written for etchsim; any English text would do. Its words become whole tokens and its
// frequent letter pairs the first merges.
constexpr std::string_view kCorpus =
    R"(The morning was cold and clear when the old train left the station. People
sat close to the windows and watched the fields go by: first the farms, then the river, then
the long line of hills that marks the edge of the valley. Nobody said much. A child asked her
mother how far it was to the city, and the mother said that it would take about three hours,
maybe four if the weather turned bad.

In the small town where the line ends, there is a market on every Saturday. You can buy bread,
cheese, apples, fish and flowers there, and the people who sell them have known each other for
years. They talk about the price of things, about the rain, about their children and what they
will do when they grow up. It is not a rich town, but it is a good place to live, and most of
the families have been there for a very long time.

A computer does not think the way a person does. It follows instructions, one after another,
very quickly and without ever getting tired. When we write a program, we describe each step
that the machine should take. If the steps are right, the result is right; if they are wrong,
the machine will still follow them, and the result will be wrong. That is why testing matters
so much, and why good engineers spend more time checking their work than writing it.

The chip in this simulator holds every weight of the model in its own small cell. Each layer is
a stage in a long pipeline, and a token moves from one stage to the next on every clock cycle.
Because nothing has to be loaded from memory, the chip can produce thousands of tokens per
second for each user. The simulator counts the cycles, measures the energy and reports the area,
so that an architect can compare one design with another before anything is built.

She opened the door and looked outside. It had been raining all night, and the street was full
of water. "We should wait," she said. "The bus won't come for another hour." He didn't answer.
He was reading a letter that had arrived the day before, and he read it again and again, as if
the words might change. Finally he put it down and said, "I'll go anyway. I've waited long
enough."

Numbers are part of every language: 1, 2, 3, 10, 20, 100, 250, 1000, 2024, 3.14 and 42. The
year has 12 months, 52 weeks and 365 days; a day has 24 hours, an hour has 60 minutes. In 1969
people walked on the moon for the first time. Prices went up by 5% last year, from $12.50 to
$13.12, and the report (page 7, line 31) says they may rise again.

What is the best way to learn something new? Some people like to read; others prefer to listen,
to watch, or to try things with their own hands. Most of us learn by making mistakes and then
fixing them. There is no single answer, but there are a few simple rules: start small, practice
often, ask questions, and don't be afraid to be wrong. Over time, the small steps add up to
something large, and what once seemed hard becomes easy and natural.

The history of the world is full of great ideas that began as small ones. Someone noticed a
pattern, wrote it down, and shared it with others. Those others found new uses for it, changed
it, and passed it on. Today we use these ideas every day without thinking about where they came
from: writing, numbers, maps, clocks, engines, radios, computers and the networks that connect
them all.
)";

bool is_letter(char c) { return std::isalpha(static_cast<unsigned char>(c)) != 0; }
bool is_digit(char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; }
bool is_space(char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; }
bool is_newline(char c) { return c == '\n' || c == '\r'; }
bool is_punct(char c) { return !is_space(c) && !is_letter(c) && !is_digit(c); }

char lower(char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); }

// Length of a contraction ('s 't 're 've 'm 'll 'd, any case) starting at `i`, or 0.
size_t contraction_at(std::string_view text, size_t i) {
  if (text[i] != '\'' || i + 1 >= text.size()) return 0;
  const char a = lower(text[i + 1]);
  if (a == 's' || a == 't' || a == 'm' || a == 'd') return 2;
  if (i + 2 >= text.size()) return 0;
  const char b = lower(text[i + 2]);
  if ((a == 'r' && b == 'e') || (a == 'v' && b == 'e') || (a == 'l' && b == 'l')) return 3;
  return 0;
}

size_t run_end(std::string_view text, size_t i, bool (*pred)(char)) {
  while (i < text.size() && pred(text[i])) ++i;
  return i;
}

// Length of the pre-token starting at `i` (the regex alternatives tried in order).
size_t pre_token_length(std::string_view text, size_t i) {
  const size_t n = text.size();
  if (const size_t len = contraction_at(text, i)) return len;
  const char c = text[i];
  if (is_letter(c)) return run_end(text, i, is_letter) - i;
  if (!is_newline(c) && !is_digit(c) && i + 1 < n && is_letter(text[i + 1]))
    return run_end(text, i + 1, is_letter) - i;
  if (is_digit(c)) return std::min<size_t>(run_end(text, i, is_digit) - i, 3);
  const size_t punct_begin = (c == ' ' && i + 1 < n && is_punct(text[i + 1])) ? i + 1 : i;
  if (is_punct(text[punct_begin]))
    return run_end(text, run_end(text, punct_begin, is_punct), is_newline) - i;
  // Whitespace: up to and including the last newline of the run, else the run less its last
  // character when a non-space follows (so a word keeps its leading space).
  const size_t end = run_end(text, i, is_space);
  for (size_t j = end; j > i; --j) {
    if (is_newline(text[j - 1])) return j - i;
  }
  if (end < n && end - i > 1) return end - i - 1;
  return end - i;
}

}  // namespace

std::string_view synth_corpus() { return kCorpus; }

std::vector<std::string> pre_split_llama3(std::string_view text) {
  std::vector<std::string> pieces;
  for (size_t i = 0; i < text.size();) {
    const size_t len = pre_token_length(text, i);
    pieces.emplace_back(text.substr(i, len));
    i += len;
  }
  return pieces;
}

}  // namespace etchsim::model::detail
