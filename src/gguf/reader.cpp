#include "etchsim/gguf/reader.hpp"

#include <fmt/format.h>

#include <bit>
#include <cstdint>
#include <cstring>

#include "byte_cursor.hpp"
#include "mapped_file.hpp"
#include "metadata_parser.hpp"
#include "tensor_info_parser.hpp"

namespace etchsim::gguf {

struct GgufFile::Mapping {
  explicit Mapping(const std::string& path) : file(path) {}
  MappedFile file;
};

namespace {

// The fewest bytes one key-value pair occupies: 1-byte key, value type, 1-byte value.
constexpr uint64_t kMinKvBytes = 8 + 1 + 4 + 1;
constexpr std::string_view kAlignmentKey = "general.alignment";

void read_magic_and_version(ByteCursor& in, uint32_t& version) {
  const auto magic = in.read<uint32_t>("the magic");
  if (std::memcmp(&magic, "GGUF", 4) != 0) {
    in.fail(0, fmt::format("bad magic 0x{:08x}, expected \"GGUF\"", magic));
  }
  version = in.read<uint32_t>("the version");
  // docs/formats.md §1.3 item 2: versions 2 and 3 parse identically; big-endian files are
  // recognised by a zero low half-word.
  if (version == 0 || version > 3) {
    if (version != 0 && (version & 0xFFFFu) == 0) {
      in.fail(4, "big-endian GGUF is not supported");
    }
    in.fail(4, fmt::format("unsupported GGUF version {} (2 and 3 are supported)", version));
  }
  if (version == 1) in.fail(4, "GGUF version 1 is not supported (2 and 3 are)");
}

// Reads a signed count and bounds it by the entries the remaining bytes could hold.
uint64_t read_count(ByteCursor& in, std::string_view what, uint64_t min_entry_bytes) {
  const uint64_t at = in.pos();
  const auto count = in.read<int64_t>(what);
  if (count < 0) in.fail(at, fmt::format("{} is negative ({})", what, count));
  if (static_cast<uint64_t>(count) > in.remaining() / min_entry_bytes) {
    in.fail(at, fmt::format("{} = {} is more than the {} remaining bytes can hold", what, count,
                            in.remaining()));
  }
  return static_cast<uint64_t>(count);
}

// §1.1: general.alignment must be a non-zero power-of-2 UINT32.
uint64_t checked_alignment(ByteCursor& in, uint64_t at, const Value& value) {
  if (value.type() != ValueType::UINT32) {
    in.fail(at, fmt::format("key '{}' has type {}, expected uint32", kAlignmentKey,
                            value_type_name(value.type())));
  }
  const uint32_t alignment = std::get<uint32_t>(value.data);
  if (!std::has_single_bit(alignment)) {
    in.fail(at, fmt::format("key '{}' is {}, not a non-zero power of 2", kAlignmentKey, alignment));
  }
  return alignment;
}

}  // namespace

GgufFile::GgufFile(GgufFile&&) noexcept = default;
GgufFile& GgufFile::operator=(GgufFile&&) noexcept = default;
GgufFile::~GgufFile() = default;

GgufFile GgufFile::open(const std::filesystem::path& path) {
  GgufFile file;
  file.m_name = path.string();
  file.m_mapping = std::make_unique<Mapping>(file.m_name);
  file.m_bytes = file.m_mapping->file.bytes();
  file.parse_all();
  return file;
}

GgufFile GgufFile::parse(std::span<const std::byte> bytes, std::string name) {
  GgufFile file;
  file.m_name = std::move(name);
  file.m_bytes = bytes;
  file.parse_all();
  return file;
}

void GgufFile::parse_all() {
  ByteCursor in(m_bytes, m_name);
  read_magic_and_version(in, m_version);
  const uint64_t n_tensors = read_count(in, "n_tensors", kMinTensorInfoBytes);
  const uint64_t n_kv = read_count(in, "n_kv", kMinKvBytes);

  for (uint64_t i = 0; i < n_kv; ++i) {
    const uint64_t key_at = in.pos();
    std::string key = in.read_string("a metadata key");
    if (key.empty()) in.fail(key_at, "metadata key is empty");
    if (m_key_index.contains(key)) in.fail(key_at, fmt::format("duplicate key '{}'", key));
    const ValueType type = read_value_type(in, key);
    const uint64_t value_at = in.pos();
    Value value = read_value(in, type, key);
    if (key == kAlignmentKey) m_alignment = checked_alignment(in, value_at, value);
    m_key_index.emplace(key, m_metadata.size());
    m_metadata.emplace_back(std::move(key), std::move(value));
  }

  std::vector<ParsedTensorInfo> parsed;
  for (uint64_t i = 0; i < n_tensors; ++i) {
    ParsedTensorInfo p = read_tensor_info(in);
    if (m_tensor_index.contains(p.info.name)) {
      in.fail(p.start, fmt::format("duplicate tensor name '{}'", p.info.name));
    }
    m_tensor_index.emplace(p.info.name, parsed.size());
    parsed.push_back(std::move(p));
  }

  // §1.1: data_start = PAD(end of tensor infos, alignment); it is only required to lie within
  // the file when there are tensors (§8 pitfall 3). pos <= file size, so this cannot overflow.
  m_data_offset = (in.pos() + m_alignment - 1) & ~(m_alignment - 1);
  if (n_tensors > 0) {
    if (m_data_offset > in.size()) {
      in.fail(in.pos(), fmt::format("data section starts at {}, beyond the end of the file "
                                    "({} bytes)",
                                    m_data_offset, in.size()));
    }
    check_tensor_layout(in, parsed, m_data_offset, m_alignment);
  }
  m_tensors.reserve(parsed.size());
  for (auto& p : parsed) m_tensors.push_back(std::move(p.info));
  align_tensor_data();
}

void GgufFile::align_tensor_data() {
  auto misaligned = [this](const TensorInfo& t) {
    return t.nbytes > 0 &&
           reinterpret_cast<uintptr_t>(m_bytes.data() + t.file_offset) % kTensorDataAlignment != 0;
  };
  uint64_t chunks = 0;
  for (const TensorInfo& t : m_tensors) {
    if (misaligned(t)) chunks += (t.nbytes + kTensorDataAlignment - 1) / kTensorDataAlignment;
  }
  if (chunks == 0) return;
  m_aligned.resize(chunks);
  m_tensor_copy.resize(m_tensors.size());
  std::byte* at = m_aligned.data()->bytes;
  for (size_t i = 0; i < m_tensors.size(); ++i) {
    const TensorInfo& t = m_tensors[i];
    if (!misaligned(t)) continue;
    std::memcpy(at, m_bytes.data() + t.file_offset, t.nbytes);
    m_tensor_copy[i] = {at, t.nbytes};
    at += (t.nbytes + kTensorDataAlignment - 1) / kTensorDataAlignment * kTensorDataAlignment;
  }
}

const Value* GgufFile::find(std::string_view key) const {
  const auto it = m_key_index.find(std::string(key));
  return it == m_key_index.end() ? nullptr : &m_metadata[it->second].second;
}

const Value& GgufFile::get(std::string_view key) const {
  const Value* value = find(key);
  if (!value) throw GgufError(m_name, std::nullopt, fmt::format("key '{}' not found", key));
  return *value;
}

namespace {

template <typename T>
const T& get_typed(const GgufFile& file, std::string_view key) {
  const Value& value = file.get(key);
  if (const T* v = std::get_if<T>(&value.data)) return *v;
  const auto expected = static_cast<ValueType>(Value::Storage(T{}).index());
  throw GgufError(file.name(), std::nullopt,
                  fmt::format("key '{}' has type {}, expected {}", key,
                              value_type_name(value.type()), value_type_name(expected)));
}

}  // namespace

uint32_t GgufFile::get_u32(std::string_view key) const { return get_typed<uint32_t>(*this, key); }
int32_t GgufFile::get_i32(std::string_view key) const { return get_typed<int32_t>(*this, key); }
uint64_t GgufFile::get_u64(std::string_view key) const { return get_typed<uint64_t>(*this, key); }
float GgufFile::get_f32(std::string_view key) const { return get_typed<float>(*this, key); }
bool GgufFile::get_bool(std::string_view key) const { return get_typed<bool>(*this, key); }
const std::string& GgufFile::get_string(std::string_view key) const {
  return get_typed<std::string>(*this, key);
}
const Array& GgufFile::get_array(std::string_view key) const {
  return get_typed<Array>(*this, key);
}

const TensorInfo* GgufFile::find_tensor(std::string_view name) const {
  const auto it = m_tensor_index.find(std::string(name));
  return it == m_tensor_index.end() ? nullptr : &m_tensors[it->second];
}

const TensorInfo& GgufFile::tensor(std::string_view name) const {
  const TensorInfo* info = find_tensor(name);
  if (!info) {
    throw GgufError(m_name, std::nullopt, fmt::format("tensor '{}' not found", name));
  }
  return *info;
}

std::span<const std::byte> GgufFile::tensor_data(const TensorInfo& info) const {
  if (info.file_offset > m_bytes.size() || info.nbytes > m_bytes.size() - info.file_offset) {
    throw GgufError(m_name, info.file_offset,
                    fmt::format("tensor '{}' does not lie within this file", info.name));
  }
  if (!m_tensor_copy.empty()) {
    // The copy of this file's tensor, found by position in m_tensors or else by name.
    size_t index = m_tensors.size();
    if (&info >= m_tensors.data() && &info < m_tensors.data() + m_tensors.size()) {
      index = static_cast<size_t>(&info - m_tensors.data());
    } else if (const auto it = m_tensor_index.find(info.name); it != m_tensor_index.end()) {
      index = it->second;
    }
    if (index < m_tensors.size() && m_tensors[index].file_offset == info.file_offset &&
        m_tensors[index].nbytes == info.nbytes && !m_tensor_copy[index].empty()) {
      return m_tensor_copy[index];
    }
  }
  return m_bytes.subspan(info.file_offset, info.nbytes);
}

void GgufFile::release_pages(std::span<const std::byte> bytes) const {
  if (m_mapping) m_mapping->file.release(bytes);
}

}  // namespace etchsim::gguf
