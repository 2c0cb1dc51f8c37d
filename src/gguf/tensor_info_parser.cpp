#include "tensor_info_parser.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <numeric>

namespace etchsim::gguf {
namespace {

void read_shape(ByteCursor& in, TensorInfo& t) {
  const uint64_t dims_at = in.pos();
  t.n_dims = in.read<uint32_t>(fmt::format("n_dims of tensor '{}'", t.name));
  if (t.n_dims == 0 || t.n_dims > static_cast<uint32_t>(kMaxDims)) {
    in.fail(dims_at, fmt::format("tensor '{}' has {} dimensions, expected 1 to {}", t.name,
                                 t.n_dims, kMaxDims));
  }
  int64_t elements = 1;
  for (uint32_t i = 0; i < t.n_dims; ++i) {
    const uint64_t at = in.pos();
    const auto ne = in.read<int64_t>(fmt::format("ne[{}] of tensor '{}'", i, t.name));
    // ne == 0 is accepted, as gguf.cpp does: the tensor simply has no bytes.
    if (ne < 0) {
      in.fail(at, fmt::format("tensor '{}' has negative ne[{}] = {}", t.name, i, ne));
    }
    if (__builtin_mul_overflow(elements, ne, &elements)) {
      in.fail(at, fmt::format("tensor '{}' has an element count that overflows int64", t.name));
    }
    t.ne[i] = ne;
  }
}

void read_type_and_size(ByteCursor& in, TensorInfo& t) {
  const uint64_t at = in.pos();
  const auto id = in.read<int32_t>(fmt::format("the type of tensor '{}'", t.name));
  // Removed ids (block size 0) are absent from the table, like unknown ones (§1.3 item 9).
  const auto traits = find_traits(id);
  if (!traits) {
    in.fail(at, fmt::format("tensor '{}' has unknown or removed ggml type id {}", t.name, id));
  }
  t.type = static_cast<GgmlType>(id);
  if (t.ne[0] % traits->block_elems != 0) {
    in.fail(at, fmt::format("tensor '{}' has ne[0] = {}, not a multiple of the {} block size {}",
                            t.name, t.ne[0], traits->name, traits->block_elems));
  }
  uint64_t bytes = static_cast<uint64_t>(t.ne[0] / traits->block_elems);
  bool overflow = __builtin_mul_overflow(bytes, static_cast<uint64_t>(traits->block_bytes), &bytes);
  for (int i = 1; i < kMaxDims; ++i) {
    overflow = overflow || __builtin_mul_overflow(bytes, static_cast<uint64_t>(t.ne[i]), &bytes);
  }
  if (overflow) {
    in.fail(at, fmt::format("tensor '{}' has a byte size that overflows uint64", t.name));
  }
  t.nbytes = bytes;
}

}  // namespace

ParsedTensorInfo read_tensor_info(ByteCursor& in) {
  ParsedTensorInfo parsed{};
  parsed.start = in.pos();
  TensorInfo& t = parsed.info;
  t.name = in.read_string("a tensor name");
  if (t.name.empty()) in.fail(parsed.start, "tensor name is empty");
  if (t.name.size() > kMaxNameBytes) {
    in.fail(parsed.start, fmt::format("tensor name '{}' has {} bytes, more than {}", t.name,
                                      t.name.size(), kMaxNameBytes));
  }
  read_shape(in, t);
  read_type_and_size(in, t);
  parsed.offset_at = in.pos();
  t.offset = in.read<uint64_t>(fmt::format("the offset of tensor '{}'", t.name));
  return parsed;
}

void check_tensor_layout(ByteCursor& in, std::vector<ParsedTensorInfo>& tensors,
                         uint64_t data_offset, uint64_t alignment) {
  for (auto& p : tensors) {
    TensorInfo& t = p.info;
    if (t.offset % alignment != 0) {
      in.fail(p.offset_at, fmt::format("tensor '{}' has offset {}, not a multiple of the "
                                       "alignment {}",
                                       t.name, t.offset, alignment));
    }
    uint64_t end = 0;
    if (__builtin_add_overflow(data_offset, t.offset, &t.file_offset) ||
        __builtin_add_overflow(t.file_offset, t.nbytes, &end) || end > in.size()) {
      in.fail(p.offset_at, fmt::format("tensor '{}' data (offset {}, {} bytes) extends beyond "
                                       "the end of the file ({} bytes)",
                                       t.name, t.offset, t.nbytes, in.size()));
    }
  }
  // Only alignment, bounds and disjointness are required; gguf.cpp also demands contiguous
  // offsets (docs/formats.md §1.1), which etchsim's writer produces but does not insist on.
  std::vector<size_t> order(tensors.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::erase_if(order, [&](size_t i) { return tensors[i].info.nbytes == 0; });
  std::sort(order.begin(), order.end(),
            [&](size_t a, size_t b) { return tensors[a].info.offset < tensors[b].info.offset; });
  for (size_t k = 1; k < order.size(); ++k) {
    const auto& prev = tensors[order[k - 1]];
    const auto& next = tensors[order[k]];
    if (prev.info.offset + prev.info.nbytes > next.info.offset) {
      in.fail(next.offset_at,
              fmt::format("tensors '{}' (offset {}, {} bytes) and '{}' (offset {}) overlap",
                          prev.info.name, prev.info.offset, prev.info.nbytes, next.info.name,
                          next.info.offset));
    }
  }
}

}  // namespace etchsim::gguf
