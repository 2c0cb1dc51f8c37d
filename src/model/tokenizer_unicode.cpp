// UTF-8 validation and encoding, and GPT-2's byte-to-unicode table (docs/formats.md §6.3).
#include "tokenizer_unicode.hpp"

#include <array>
#include <optional>

namespace etchsim::model::detail {
namespace {

constexpr char32_t kReplacement = 0xFFFD;

bool is_continuation(uint8_t byte) { return (byte & 0xC0) == 0x80; }

// The length of the well-formed sequence starting at text[i] (RFC 3629 table 3-7), or 0.
size_t valid_sequence_length(std::string_view text, size_t i) {
  const auto byte = [&](size_t k) { return static_cast<uint8_t>(text[i + k]); };
  const uint8_t lead = byte(0);
  if (lead < 0x80) return 1;
  size_t length = 0;
  uint8_t second_min = 0x80, second_max = 0xBF;
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    if (lead == 0xE0) second_min = 0xA0;  // overlong
    if (lead == 0xED) second_max = 0x9F;  // surrogates
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    if (lead == 0xF0) second_min = 0x90;  // overlong
    if (lead == 0xF4) second_max = 0x8F;  // above U+10FFFF
  } else {
    return 0;
  }
  if (i + length > text.size()) return 0;
  if (byte(1) < second_min || byte(1) > second_max) return 0;
  for (size_t k = 2; k < length; ++k) {
    if (!is_continuation(byte(k))) return 0;
  }
  return length;
}

// GPT-2's printable bytes map to themselves; the other 68, in increasing order, to U+0100...
bool maps_to_itself(uint32_t byte) {
  return (byte >= 0x21 && byte <= 0x7E) || (byte >= 0xA1 && byte <= 0xAC) ||
         (byte >= 0xAE && byte <= 0xFF);
}

struct ByteTables {
  std::array<std::string, 256> to_unicode;
  std::array<int16_t, 0x144> from_code_point{};  // code points < U+0144 -> byte, or -1
};

const ByteTables& byte_tables() {
  static const ByteTables tables = [] {
    ByteTables t;
    t.from_code_point.fill(-1);
    char32_t next_extra = 0x100;
    for (uint32_t byte = 0; byte < 256; ++byte) {
      const char32_t cp = maps_to_itself(byte) ? byte : next_extra++;
      append_utf8(t.to_unicode[byte], cp);
      t.from_code_point[cp] = static_cast<int16_t>(byte);
    }
    return t;
  }();
  return tables;
}

// Decodes the valid UTF-8 sequence at text[i] of `length` bytes.
char32_t decode_sequence(std::string_view text, size_t i, size_t length) {
  const auto lead = static_cast<uint8_t>(text[i]);
  if (length == 1) return lead;
  char32_t cp = lead & (0x7Fu >> length);
  for (size_t k = 1; k < length; ++k) cp = (cp << 6) | (static_cast<uint8_t>(text[i + k]) & 0x3Fu);
  return cp;
}

}  // namespace

std::string to_valid_utf8(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size();) {
    const size_t length = valid_sequence_length(text, i);
    if (length == 0) {
      append_utf8(out, kReplacement);
      ++i;
    } else {
      out.append(text.substr(i, length));
      i += length;
    }
  }
  return out;
}

size_t utf8_sequence_length(uint8_t lead) {
  static constexpr std::array<uint8_t, 16> kByHighNibble = {1, 1, 1, 1, 1, 1, 1, 1,
                                                            1, 1, 1, 1, 2, 2, 3, 4};
  return kByHighNibble[lead >> 4];
}

void append_utf8(std::string& out, char32_t cp) {
  auto put = [&](uint32_t byte) { out.push_back(static_cast<char>(byte)); };
  if (cp < 0x80) {
    put(cp);
  } else if (cp < 0x800) {
    put(0xC0 | (cp >> 6));
    put(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    put(0xE0 | (cp >> 12));
    put(0x80 | ((cp >> 6) & 0x3F));
    put(0x80 | (cp & 0x3F));
  } else {
    put(0xF0 | (cp >> 18));
    put(0x80 | ((cp >> 12) & 0x3F));
    put(0x80 | ((cp >> 6) & 0x3F));
    put(0x80 | (cp & 0x3F));
  }
}

const std::string& byte_to_unicode(uint8_t byte) { return byte_tables().to_unicode[byte]; }

std::string unicode_to_bytes(std::string_view text) {
  const ByteTables& tables = byte_tables();
  std::string out;
  for (size_t i = 0; i < text.size();) {
    size_t length = valid_sequence_length(text, i);
    std::optional<int16_t> byte;
    if (length > 0) {
      const char32_t cp = decode_sequence(text, i, length);
      if (cp < tables.from_code_point.size() && tables.from_code_point[cp] >= 0)
        byte = tables.from_code_point[cp];
    } else {
      length = 1;
    }
    if (byte) {
      out.push_back(static_cast<char>(*byte));
    } else {
      out.append(text.substr(i, length));
    }
    i += length;
  }
  return out;
}

}  // namespace etchsim::model::detail
