#include "etchsim/gguf/writer.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <bit>
#include <cstring>
#include <memory>
#include <stdexcept>

#include "byte_sink.hpp"
#include "encoder.hpp"
#include "etchsim/gguf/reader.hpp"
#include "etchsim/io/output_path.hpp"
#include "metadata_parser.hpp"  // kMaxArrayDepth: write only what the reader accepts
#include "tensor_stream.hpp"

namespace etchsim::gguf {
namespace {

// The bytes into an io::OutputFile (a temporary renamed over the target by commit(); /dev/null
// or a FIFO written in place).
class FileSink final : public ByteSink {
 public:
  explicit FileSink(io::OutputFile& file) : m_file(file) {}
  void write(std::span<const std::byte> bytes) override { m_file.write(bytes); }

 private:
  io::OutputFile& m_file;
};

constexpr std::string_view kAlignmentKey = "general.alignment";

uint64_t pad(uint64_t x, uint64_t alignment) { return (x + alignment - 1) & ~(alignment - 1); }

// Every element of an array must have the array's element type, or the file is unreadable.
void check_value(const std::string& key, const Value& value, int depth) {
  const Array* array = std::get_if<Array>(&value.data);
  if (!array) return;
  if (depth >= kMaxArrayDepth) {
    throw std::invalid_argument(
        fmt::format("key '{}': arrays nested deeper than {}", key, kMaxArrayDepth));
  }
  for (const Value& e : array->elems) {
    if (e.type() != array->elem_type) {
      throw std::invalid_argument(fmt::format("key '{}': array of {} holds a {}", key,
                                              value_type_name(array->elem_type),
                                              value_type_name(e.type())));
    }
    check_value(key, e, depth + 1);
  }
}

void check_version(uint32_t version) {
  if (version != 2 && version != 3) {
    throw std::invalid_argument(fmt::format("GGUF version {} cannot be written (2 or 3)", version));
  }
}

// Validates a tensor's name, shape and size; the offset is left to the caller.
TensorInfo checked_info(const std::string& name, GgmlType type, const std::vector<int64_t>& ne) {
  if (name.empty() || name.size() > kMaxNameBytes) {
    throw std::invalid_argument(
        fmt::format("tensor name '{}' must have 1 to {} bytes", name, kMaxNameBytes));
  }
  if (ne.empty() || ne.size() > static_cast<size_t>(kMaxDims)) {
    throw std::invalid_argument(
        fmt::format("tensor '{}' has {} dimensions, expected 1 to {}", name, ne.size(), kMaxDims));
  }
  TensorInfo info;
  info.name = name;
  info.type = type;
  info.n_dims = static_cast<uint32_t>(ne.size());
  int64_t elements = 1;
  for (size_t i = 0; i < ne.size(); ++i) {
    if (ne[i] < 1 || __builtin_mul_overflow(elements, ne[i], &elements)) {
      throw std::invalid_argument(
          fmt::format("tensor '{}' has ne[{}] = {}: not >= 1 or too large", name, i, ne[i]));
    }
    info.ne[i] = ne[i];
  }
  const uint64_t row = row_bytes(type, info.ne[0]);  // throws unless a whole number of blocks
  // Bounded well below 2^64 so that the padded running sum of offsets cannot overflow.
  if (__builtin_mul_overflow(row, static_cast<uint64_t>(info.n_rows()), &info.nbytes) ||
      info.nbytes > (uint64_t{1} << 56)) {
    throw std::invalid_argument(fmt::format("tensor '{}' is too large", name));
  }
  return info;
}

}  // namespace

GgufWriter::GgufWriter(uint32_t alignment) : m_alignment(alignment) {
  if (!std::has_single_bit(alignment)) {
    throw std::invalid_argument(
        fmt::format("GGUF alignment {} is not a non-zero power of 2", alignment));
  }
}

void GgufWriter::set(std::string key, Value value) {
  if (key.empty()) throw std::invalid_argument("GGUF metadata key is empty");
  if (key == kAlignmentKey) {
    throw std::invalid_argument("set general.alignment through the GgufWriter constructor");
  }
  const bool duplicate = std::any_of(m_metadata.begin(), m_metadata.end(),
                                     [&](const auto& kv) { return kv.first == key; });
  if (duplicate) throw std::invalid_argument(fmt::format("duplicate GGUF key '{}'", key));
  check_value(key, value, 0);
  m_metadata.emplace_back(std::move(key), std::move(value));
}

void GgufWriter::add_tensor(std::string name, GgmlType type, std::vector<int64_t> ne,
                            TensorFill fill) {
  const bool duplicate = std::any_of(m_tensors.begin(), m_tensors.end(),
                                     [&](const Entry& e) { return e.info.name == name; });
  if (duplicate) throw std::invalid_argument(fmt::format("duplicate tensor name '{}'", name));
  if (!fill) throw std::invalid_argument(fmt::format("tensor '{}' has no fill callback", name));
  Entry entry{checked_info(name, type, ne), std::move(fill)};
  // §8 pitfall 1: offsets are the running padded sum in tensor order.
  entry.info.offset = m_data_size;
  m_data_size += pad(entry.info.nbytes, m_alignment);
  m_tensors.push_back(std::move(entry));
}

void GgufWriter::add_tensor(std::string name, GgmlType type, std::vector<int64_t> ne,
                            std::vector<std::byte> bytes) {
  const TensorInfo info = checked_info(name, type, ne);
  if (info.nbytes != bytes.size()) {
    throw std::invalid_argument(
        fmt::format("tensor '{}' needs {} bytes, {} given", name, info.nbytes, bytes.size()));
  }
  auto data = std::make_shared<const std::vector<std::byte>>(std::move(bytes));
  const uint64_t row = row_bytes(type, info.ne[0]);
  add_tensor(std::move(name), type, std::move(ne),
             [data, row](int64_t row_begin, std::span<std::byte> out) {
               std::memcpy(out.data(), data->data() + static_cast<uint64_t>(row_begin) * row,
                           out.size());
             });
}

std::vector<std::byte> GgufWriter::encode_header(uint32_t version) const {
  check_version(version);
  const bool alignment_key = m_alignment != kDefaultAlignment;
  Encoder out;
  out.put<uint32_t>(0x46554747);  // "GGUF" read as a little-endian u32
  out.put<uint32_t>(version);     // v2 and v3 share one layout (§1.1)
  out.put<int64_t>(static_cast<int64_t>(m_tensors.size()));
  out.put<int64_t>(static_cast<int64_t>(m_metadata.size() + (alignment_key ? 1 : 0)));
  if (alignment_key) {
    out.put_string(kAlignmentKey);
    out.put<int32_t>(static_cast<int32_t>(ValueType::UINT32));
    out.put<uint32_t>(m_alignment);
  }
  for (const auto& [key, value] : m_metadata) {
    out.put_string(key);
    out.put<int32_t>(static_cast<int32_t>(value.type()));
    out.put_value(value);
  }
  for (const Entry& e : m_tensors) {
    out.put_string(e.info.name);
    out.put<uint32_t>(e.info.n_dims);
    for (uint32_t i = 0; i < e.info.n_dims; ++i) out.put<int64_t>(e.info.ne[i]);
    out.put<int32_t>(static_cast<int32_t>(e.info.type));
    out.put<uint64_t>(e.info.offset);
  }
  return out.bytes();
}

void GgufWriter::write_to(ByteSink& sink, const std::vector<std::byte>& header) const {
  sink.write(header);
  sink.write_zeros(pad(header.size(), m_alignment) - header.size());
  std::vector<StreamedTensor> streamed;
  streamed.reserve(m_tensors.size());
  for (const Entry& e : m_tensors) {
    streamed.push_back({&e.fill, row_bytes(e.info.type, e.info.ne[0]), e.info.n_rows(),
                        pad(e.info.nbytes, m_alignment)});
  }
  stream_tensors(streamed, sink);
}

void GgufWriter::write(const std::filesystem::path& path, uint32_t version) const {
  const std::vector<std::byte> header = encode_header(version);
  io::OutputFile file(path);  // removes its temporary unless committed
  file.reserve(pad(header.size(), m_alignment) + m_data_size);
  FileSink sink(file);
  write_to(sink, header);
  file.commit();
}

std::vector<std::byte> GgufWriter::to_bytes(uint32_t version) const {
  const std::vector<std::byte> header = encode_header(version);
  std::vector<std::byte> bytes;
  bytes.reserve(pad(header.size(), m_alignment) + m_data_size);
  VectorSink sink(bytes);
  write_to(sink, header);
  return bytes;
}

uint64_t GgufWriter::total_bytes() const {
  return pad(encode_header(3).size(), m_alignment) + m_data_size;
}

}  // namespace etchsim::gguf
