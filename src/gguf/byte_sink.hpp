// Internal: where the writer's bytes go (a file or memory), so that write() and to_bytes()
// share one serialisation path.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace etchsim::gguf {

class ByteSink {
 public:
  virtual ~ByteSink() = default;
  virtual void write(std::span<const std::byte> bytes) = 0;

  void write_zeros(uint64_t n) {
    static constexpr std::array<std::byte, 4096> kZeros{};
    while (n > 0) {
      const auto k = static_cast<size_t>(std::min<uint64_t>(n, kZeros.size()));
      write(std::span(kZeros).first(k));
      n -= k;
    }
  }
};

class VectorSink final : public ByteSink {
 public:
  explicit VectorSink(std::vector<std::byte>& out) : m_out(out) {}
  void write(std::span<const std::byte> bytes) override {
    m_out.insert(m_out.end(), bytes.begin(), bytes.end());
  }

 private:
  std::vector<std::byte>& m_out;
};

}  // namespace etchsim::gguf
