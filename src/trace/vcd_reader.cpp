// A strict VCD reader (vcd_reader.hpp).
//
// VCD is a sequence of whitespace-separated tokens: the header of $keyword ... $end sections up
// to $enddefinitions, then #time tokens, value changes, and $dumpvars/$dumpall/$dumpon/$dumpoff
// ... $end blocks holding value changes.
#include "etchsim/trace/vcd_reader.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <functional>
#include <stdexcept>
#include <unordered_map>

namespace etchsim::trace {
namespace {

struct Token {
  std::string text;
  size_t line = 0;
};

// Reads the input a chunk at a time (a trace is often gigabytes: a character at a time through the
// stream took most of a run of trace-summary).
class Tokenizer {
 public:
  explicit Tokenizer(std::istream& in) : m_in(in), m_buffer(kChunk) {}

  // The next token; false at the end of input.
  bool next(Token& token) {
    // Whitespace, counting lines.
    while (true) {
      if (m_pos == m_end && !refill()) return false;
      const char c = m_buffer[m_pos];
      if (!is_space(c)) break;
      if (c == '\n') ++m_line;
      ++m_pos;
    }
    token.text.clear();
    token.line = m_line;
    // The token, possibly across chunks.
    while (true) {
      size_t end = m_pos;
      while (end < m_end && !is_space(m_buffer[end])) ++end;
      token.text.append(m_buffer.data() + m_pos, end - m_pos);
      m_pos = end;
      if (m_pos < m_end || !refill()) return true;
    }
  }

  size_t line() const { return m_line; }

 private:
  static constexpr size_t kChunk = size_t{64} << 10;
  static bool is_space(char c) {
    return c == ' ' || c == '\n' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
  }
  bool refill() {
    if (!m_in) return false;
    m_in.read(m_buffer.data(), static_cast<std::streamsize>(m_buffer.size()));
    m_pos = 0;
    m_end = static_cast<size_t>(m_in.gcount());
    if (m_in.bad()) throw std::runtime_error("VCD: the input cannot be read");
    return m_end > 0;
  }

  std::istream& m_in;
  std::vector<char> m_buffer;
  size_t m_pos = 0, m_end = 0;
  size_t m_line = 1;
};

[[noreturn]] void fail(size_t line, std::string_view message) {
  throw std::runtime_error(fmt::format("VCD line {}: {}", line, message));
}

template <typename T>
bool parse_uint(std::string_view text, T& value) {
  if (text.empty()) return false;
  for (const char ch : text) {
    if (ch < '0' || ch > '9') return false;
  }
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  return ec == std::errc() && end == text.data() + text.size();
}

bool valid_id(std::string_view id) {
  return !id.empty() &&
         std::all_of(id.begin(), id.end(), [](char ch) { return ch >= 33 && ch <= 126; });
}

bool is_scalar_char(char ch) {
  return ch == '0' || ch == '1' || ch == 'x' || ch == 'X' || ch == 'z' || ch == 'Z';
}

char lower(char ch) { return static_cast<char>(std::tolower(static_cast<unsigned char>(ch))); }

enum class Kind { kScalar, kVector, kReal };

struct Decl {
  Kind kind;
  uint32_t width;
};

// What an identifier code stands for: its declaration and the variables declared with it.
struct IdEntry {
  Decl decl;
  std::vector<uint32_t> vars;
};

// Looked up by string_view: no string built per value change.
struct IdHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};

class Parser {
 public:
  Parser(std::istream& in, VcdVisitor& visitor) : m_tokens(in), m_visitor(visitor) {}

  void run() {
    Token tok;
    while (!m_defined) {
      if (!m_tokens.next(tok)) fail(m_tokens.line(), "missing $enddefinitions");
      header_token(tok);
    }
    index_short_ids();
    m_visitor.declarations(m_file);
    while (m_tokens.next(tok)) body_token(tok);
    if (!m_block.empty()) fail(m_tokens.line(), fmt::format("{} without $end", m_block));
    m_visitor.end(m_file.end_time);
  }

 private:
  // The tokens of a $keyword section up to its $end.
  std::vector<Token> section(const Token& keyword) {
    std::vector<Token> body;
    Token tok;
    while (true) {
      if (!m_tokens.next(tok)) fail(keyword.line, fmt::format("{} without $end", keyword.text));
      if (tok.text == "$end") return body;
      if (tok.text.starts_with('$')) {
        fail(tok.line, fmt::format("{} inside {} (missing $end)", tok.text, keyword.text));
      }
      body.push_back(tok);
    }
  }

  void header_token(const Token& tok) {
    const std::string& kw = tok.text;
    if (kw == "$comment") {
      m_file.comments.push_back(skip_text(tok));
    } else if (kw == "$date" || kw == "$version") {
      skip_text(tok);
    } else if (kw == "$timescale") {
      timescale(tok, section(tok));
    } else if (kw == "$scope") {
      const std::vector<Token> body = section(tok);
      if (body.size() != 2) fail(tok.line, "$scope needs a type and a name");
      m_scopes.push_back(body[1].text);
    } else if (kw == "$upscope") {
      if (!section(tok).empty()) fail(tok.line, "$upscope takes no arguments");
      if (m_scopes.empty()) fail(tok.line, "$upscope without an open $scope");
      m_scopes.pop_back();
    } else if (kw == "$var") {
      var(tok, section(tok));
    } else if (kw == "$enddefinitions") {
      if (!section(tok).empty()) fail(tok.line, "$enddefinitions takes no arguments");
      if (!m_scopes.empty()) {
        fail(tok.line, fmt::format("$enddefinitions inside open $scope '{}'", m_scopes.back()));
      }
      m_defined = true;
    } else if (kw.starts_with('$')) {
      fail(tok.line, fmt::format("unexpected {} in the header", kw));
    } else {
      fail(tok.line, fmt::format("'{}' before $enddefinitions", kw));
    }
  }

  // $comment/$date/$version: free text up to $end; its words joined by one space.
  std::string skip_text(const Token& keyword) {
    Token tok;
    std::string text;
    while (true) {
      if (!m_tokens.next(tok)) fail(keyword.line, fmt::format("{} without $end", keyword.text));
      if (tok.text == "$end") return text;
      if (!text.empty()) text += ' ';
      text += tok.text;
    }
  }

  void timescale(const Token& keyword, const std::vector<Token>& body) {
    if (!m_file.timescale.empty()) fail(keyword.line, "second $timescale");
    std::string text;
    for (const Token& t : body) text += t.text;
    const size_t unit_at = text.find_first_not_of("0123456789");
    const std::string number = text.substr(0, std::min(unit_at, text.size()));
    const std::string unit = unit_at == std::string::npos ? "" : text.substr(unit_at);
    static const std::vector<std::string> kUnits{"s", "ms", "us", "ns", "ps", "fs"};
    if ((number != "1" && number != "10" && number != "100") ||
        std::find(kUnits.begin(), kUnits.end(), unit) == kUnits.end()) {
      fail(keyword.line, fmt::format("bad $timescale '{}'", text));
    }
    m_file.timescale = number + " " + unit;
  }

  void var(const Token& keyword, const std::vector<Token>& body) {
    // $var type size id reference [range] $end; some writers attach the range to the reference.
    if (body.size() != 4 && body.size() != 5) {
      fail(keyword.line, "$var needs type, size, identifier, reference and an optional range");
    }
    VcdVar v;
    v.type = body[0].text;
    if (!parse_uint(body[1].text, v.width) || v.width == 0) {
      fail(body[1].line, fmt::format("bad $var width '{}'", body[1].text));
    }
    v.id = body[2].text;
    if (!valid_id(v.id)) fail(body[2].line, fmt::format("bad identifier code '{}'", v.id));
    std::string reference = body[3].text;
    if (body.size() == 5) {
      v.range = body[4].text;
    } else if (const size_t open = reference.find('['); open != std::string::npos && open > 0) {
      v.range = reference.substr(open);
      reference.resize(open);
    }
    if (!v.range.empty()) check_range(body.back().line, v);
    const bool real = v.type == "real" || v.type == "realtime";
    const Decl decl{real ? Kind::kReal : v.width == 1 ? Kind::kScalar : Kind::kVector, v.width};
    const auto [it, inserted] = m_ids.try_emplace(v.id, IdEntry{decl, {}});
    if (!inserted && (it->second.decl.kind != decl.kind || it->second.decl.width != decl.width)) {
      fail(keyword.line,
           fmt::format("identifier '{}' redeclared with another type or width", v.id));
    }
    for (const std::string& scope : m_scopes) v.full_name += scope + ".";
    v.full_name += reference;
    it->second.vars.push_back(static_cast<uint32_t>(m_file.vars.size()));
    m_file.vars.push_back(std::move(v));
  }

  // "[msb:lsb]" must span the width; "[n]" is one bit.
  static void check_range(size_t line, const VcdVar& v) {
    const std::string& r = v.range;
    if (r.size() < 3 || r.front() != '[' || r.back() != ']') {
      fail(line, fmt::format("bad bit range '{}'", r));
    }
    const std::string_view inner(r.data() + 1, r.size() - 2);
    const size_t colon = inner.find(':');
    uint64_t msb = 0, lsb = 0;
    if (colon == std::string_view::npos) {
      if (!parse_uint(inner, msb)) fail(line, fmt::format("bad bit range '{}'", r));
      lsb = msb;
    } else if (!parse_uint(inner.substr(0, colon), msb) ||
               !parse_uint(inner.substr(colon + 1), lsb)) {
      fail(line, fmt::format("bad bit range '{}'", r));
    }
    const uint64_t span = (msb > lsb ? msb - lsb : lsb - msb) + 1;
    if (span != v.width) {
      fail(line, fmt::format("bit range '{}' does not match width {}", r, v.width));
    }
  }

  void body_token(const Token& tok) {
    const std::string& t = tok.text;
    if (t[0] != '$') {
      change_token(tok);
      return;
    }
    if (t == "$enddefinitions") fail(tok.line, "second $enddefinitions");
    if (t == "$comment") {
      skip_text(tok);
    } else if (t == "$dumpvars" || t == "$dumpall" || t == "$dumpon" || t == "$dumpoff") {
      if (!m_block.empty()) fail(tok.line, fmt::format("{} inside {}", t, m_block));
      m_block = t;
    } else if (t == "$end") {
      if (m_block.empty()) fail(tok.line, "$end without an open section");
      m_block.clear();
    } else {
      fail(tok.line, fmt::format("unexpected {} after $enddefinitions", t));
    }
  }

  // A #time or a value change.
  void change_token(const Token& tok) {
    const std::string& t = tok.text;
    if (t.starts_with('#')) {
      if (!m_block.empty()) fail(tok.line, fmt::format("time inside {}", m_block));
      uint64_t time = 0;
      if (!parse_uint(std::string_view(t).substr(1), time)) {
        fail(tok.line, fmt::format("bad time '{}'", t));
      }
      if (m_seen_time && time < m_time) {
        fail(tok.line, fmt::format("time goes backwards: #{} after #{}", time, m_time));
      }
      m_time = time;
      m_seen_time = true;
      m_file.end_time = time;
    } else if (is_scalar_char(t[0])) {
      const char value = lower(t[0]);
      record(tok.line, std::string_view(t).substr(1), Kind::kScalar, std::string_view(&value, 1));
    } else if (t[0] == 'b' || t[0] == 'B') {
      const std::string_view bits = std::string_view(t).substr(1);
      if (bits.empty() || !std::all_of(bits.begin(), bits.end(), is_scalar_char)) {
        fail(tok.line, fmt::format("bad vector value '{}'", t));
      }
      // X and Z as x and z (a copy only when there are capitals).
      std::string_view value = bits;
      if (std::any_of(bits.begin(), bits.end(), [](char c) { return c == 'X' || c == 'Z'; })) {
        m_value.assign(bits);
        std::transform(m_value.begin(), m_value.end(), m_value.begin(), lower);
        value = m_value;
      }
      id_token(tok, m_id);
      record(tok.line, m_id.text, Kind::kVector, value);
    } else if (t[0] == 'r' || t[0] == 'R') {
      const std::string_view number = std::string_view(t).substr(1);
      double value = 0.0;
      const auto [end, ec] = std::from_chars(number.data(), number.data() + number.size(), value);
      if (number.empty() || ec != std::errc() || end != number.data() + number.size()) {
        fail(tok.line, fmt::format("bad real value '{}'", t));
      }
      id_token(tok, m_id);
      record(tok.line, m_id.text, Kind::kReal, number);
    } else {
      fail(tok.line, fmt::format("unexpected '{}'", t));
    }
  }

  // The identifier following a vector or real value, into `id`.
  void id_token(const Token& value, Token& id) {
    if (!m_tokens.next(id)) fail(value.line, fmt::format("'{}' without an identifier", value.text));
  }

  // The entry of an identifier code; nullptr if it was not declared. Codes of one or two
  // characters (a trace's first ~8,900 variables) by index, others through the map.
  const IdEntry* find_id(std::string_view id) {
    const size_t slot = short_slot(id);
    if (slot != kNoSlot) return slot < m_short.size() ? m_short[slot] : nullptr;
    const auto it = m_ids.find(id);
    return it == m_ids.end() ? nullptr : &it->second;
  }
  static constexpr size_t kNoSlot = SIZE_MAX;
  static constexpr size_t kChars = 94;  // '!' to '~'
  static size_t short_slot(std::string_view id) {
    const auto digit = [](char c) {
      return static_cast<size_t>(static_cast<unsigned char>(c) - 33);
    };
    if (id.size() == 1 && digit(id[0]) < kChars) return digit(id[0]);
    if (id.size() == 2 && digit(id[0]) < kChars && digit(id[1]) < kChars) {
      return kChars + digit(id[0]) * kChars + digit(id[1]);
    }
    return kNoSlot;
  }
  // The index of short codes, from the declarations (the map no longer changes).
  void index_short_ids() {
    size_t slots = 0;  // as many as the highest short code needs (a few for a small file)
    for (const auto& [id, entry] : m_ids) {
      const size_t slot = short_slot(id);
      if (slot != kNoSlot) slots = std::max(slots, slot + 1);
    }
    m_short.assign(slots, nullptr);
    for (const auto& [id, entry] : m_ids) {
      const size_t slot = short_slot(id);
      if (slot != kNoSlot) m_short[slot] = &entry;
    }
  }

  void record(size_t line, std::string_view id, Kind kind, std::string_view value) {
    if (id.empty()) fail(line, "value change without an identifier");
    const IdEntry* const entry = find_id(id);
    if (entry == nullptr) fail(line, fmt::format("unknown identifier '{}'", id));
    const Kind declared = entry->decl.kind;
    // A vector change may also set a one-bit wire ("b1 !").
    const bool ok = kind == declared || (kind == Kind::kVector && declared == Kind::kScalar);
    if (!ok) {
      static constexpr const char* kNames[] = {"scalar", "vector", "real"};
      fail(line, fmt::format("{} value for {} identifier '{}'", kNames[static_cast<int>(kind)],
                             kNames[static_cast<int>(declared)], id));
    }
    if (kind == Kind::kVector && value.size() > entry->decl.width) {
      fail(line, fmt::format("{} bits for identifier '{}' of width {}", value.size(), id,
                             entry->decl.width));
    }
    m_visitor.change(m_time, entry->vars, value);
  }

  Tokenizer m_tokens;
  VcdVisitor& m_visitor;
  VcdFile m_file;  // the header; its variables' changes stay empty
  bool m_defined = false;
  std::vector<std::string> m_scopes;
  std::unordered_map<std::string, IdEntry, IdHash, std::equal_to<>> m_ids;
  std::vector<const IdEntry*> m_short;  // by short_slot()
  Token m_id;                           // a value change's identifier
  std::string m_value;                  // a vector value in lower case
  std::string m_block;                  // the open $dump* section, if any
  uint64_t m_time = 0;
  bool m_seen_time = false;
};

}  // namespace

void parse_vcd(std::istream& in, VcdVisitor& visitor) { Parser(in, visitor).run(); }

VcdFile parse_vcd(std::istream& in) {
  // Every change kept with its variables.
  class Collector final : public VcdVisitor {
   public:
    void declarations(const VcdFile& header) override { m_file = header; }
    void change(uint64_t time, std::span<const uint32_t> vars, std::string_view value) override {
      for (const uint32_t v : vars) m_file.vars[v].changes.push_back({time, std::string(value)});
    }
    void end(uint64_t end_time) override { m_file.end_time = end_time; }
    VcdFile take() { return std::move(m_file); }

   private:
    VcdFile m_file;
  };
  Collector collector;
  parse_vcd(in, collector);
  return collector.take();
}

std::vector<std::pair<uint64_t, std::string>> changes(const VcdFile& vcd,
                                                      std::string_view full_name) {
  for (const VcdVar& v : vcd.vars) {
    if (v.full_name == full_name || (!v.range.empty() && v.full_name + v.range == full_name)) {
      std::vector<std::pair<uint64_t, std::string>> out;
      out.reserve(v.changes.size());
      for (const VcdChange& c : v.changes) out.emplace_back(c.time, c.value);
      return out;
    }
  }
  throw std::out_of_range(fmt::format("no VCD variable named '{}'", full_name));
}

std::optional<uint64_t> vcd_value_to_uint(std::string_view value) {
  if (value.empty()) return std::nullopt;
  uint64_t out = 0;
  size_t significant = 0;
  for (const char ch : value) {
    if (ch != '0' && ch != '1') return std::nullopt;
    if (significant > 0 || ch == '1') ++significant;
    if (significant > 64) return std::nullopt;
    out = (out << 1) | static_cast<uint64_t>(ch == '1');
  }
  return out;
}

}  // namespace etchsim::trace
