#include "vcd_body.hpp"

#include <algorithm>
#include <bit>
#include <memory>
#include <memory_resource>
#include <optional>
#include <stdexcept>
#include <utility>

#include "etchsim/trace/huge_page_arena.hpp"
#include "etchsim/trace/in_order.hpp"

namespace etchsim::trace {
namespace {

constexpr uint64_t kSampleEvery = 1024;  // changes per sample cycle
// About 420 KB of text (at most ~640 KB on the flagship); the piece's steps (8 bytes each) and
// their sorted copy stay in a 1 MB L2 cache while they are sorted (on the flagship 2^14, 2^16 and
// 2^17 cost no less CPU).
constexpr uint64_t kPieceChanges = uint64_t{1} << 15;
constexpr size_t kMaxPieces = 4096;
// Pieces a thread writes one after the other into one buffer: after another thread's piece every
// cursor must seek (a gallop through three logs whose lines left the cache: ~120 ns a source). The
// flagship's seeks took 9.6 ms of CPU at one piece a run, 7.0 at two, 4.5 at four and 2.7 at eight,
// each run's buffer a page more (a fresh page costs up to ~1.5 ms).
constexpr size_t kPiecesPerRun = 4;
// Sources whose data is asked for ahead of their run (RowCursor::prefetch).
constexpr size_t kPrefetchAhead = 2;

// Every buffer of the writing comes from one huge-page arena (VcdBody::memory), sized for what a
// flagship's pieces need (they grow past it if a piece needs more): the memory a process has not
// touched before is its costliest (on the VM the project is tested on, a fresh 2 MiB page costs
// 0.1-1.5 ms: the host backs it anew), and a buffer of its own would take a whole page however
// little of it is used.
// Per thread: a piece's recorded text (at most ~520 KB on the flagship) and its steps (at most ~31
// K, 8 bytes each) and their sorted copy; per run in flight, its text (at most ~2.2 MB).
constexpr size_t kPieceBuffer = size_t{640} << 10;
constexpr size_t kPieceSteps = size_t{1} << 15;
constexpr size_t kRunBuffer = size_t{2304} << 10;
constexpr size_t kThreadBytes = kPieceBuffer + 2 * kPieceSteps * sizeof(RowValues::Step) + 4096;

struct Piece {
  uint64_t from, to;
};

// [from, to) cut at sample cycles into pieces of about kPieceChanges changes each.
std::vector<Piece> cut_pieces(const VcdBody& body) {
  std::vector<uint64_t> samples;
  for (const RowSource* s : body.sources) s->sample_cycles(kSampleEvery, samples);
  std::erase_if(samples, [&body](uint64_t c) { return c <= body.from || c >= body.to; });
  std::sort(samples.begin(), samples.end());
  const size_t n = std::clamp<size_t>(samples.size() * kSampleEvery / kPieceChanges, 1, kMaxPieces);
  std::vector<Piece> pieces;
  uint64_t start = body.from;
  for (size_t j = 1; j < n; ++j) {
    const uint64_t cut = samples[j * samples.size() / n];
    if (cut <= start) continue;
    pieces.push_back({start, cut});
    start = cut;
  }
  pieces.push_back({start, body.to});
  return pieces;
}

// One thread's cursors and row values.
class PieceWriter {
 public:
  PieceWriter(const VcdBody& body, std::pmr::memory_resource* memory)
      : m_values(body.rows, body.per_cycle),
        m_steps(RowValues::StepList::allocator_type(memory)),
        m_sorted(RowValues::StepList::allocator_type(memory)),
        m_text(TextBuffer::allocator_type(memory)) {
    m_cursors.reserve(body.sources.size());
    for (const RowSource* s : body.sources) m_cursors.push_back(s->cursor());
  }

  // Writes the pieces [first, last) one after the other into `out` (a run: its cursors go on from
  // one piece to the next, where a piece after another thread's must seek every cursor); returns
  // its size. `last_time`: the last cycle it wrote a `#time` line for, kNoCycle if none (or 0 when
  // it holds the first piece, `from` is 0 and it wrote none: the header's `#0`).
  size_t write(const std::vector<Piece>& pieces, size_t first, size_t last, TextBuffer& out,
               uint64_t& last_time) {
    if (out.size() < kRunBuffer) out.resize(kRunBuffer);
    if (m_text.size() < kPieceBuffer) m_text.resize(kPieceBuffer);
    if (m_steps.capacity() < kPieceSteps) m_steps.reserve(kPieceSteps);
    if (m_sorted.capacity() < kPieceSteps) m_sorted.reserve(kPieceSteps);
    size_t size = 0;
    last_time = first == 0 && pieces[0].from == 0 ? 0 : kNoCycle;
    for (size_t index = first; index < last; ++index)
      write_piece(pieces, index, out, size, last_time);
    return size;
  }

 private:
  // Appends piece `index` to `out` from `size` (updated) and `last_time` (likewise).
  void write_piece(const std::vector<Piece>& pieces, size_t index, TextBuffer& out, size_t& size,
                   uint64_t& last) {
    const Piece& p = pieces[index];
    // Steps hold their cycle as 32 bits after a base: a piece spanning more cycles is written in
    // parts, each from the first cycle a source has a step at (in practice one part).
    uint64_t base = p.from;
    for (bool first = true;; first = false) {
      const uint64_t part_to =
          p.to - base > RowValues::kMaxStepCycle ? base + RowValues::kMaxStepCycle : p.to;
      m_steps.clear();
      if (first && index == 0) {
        // Every change up to `from` is written at `from`.
        m_values.reset();
        m_values.set_record(&m_steps, &m_text, base);
        m_values.begin_cycle(base);
        for (auto& c : m_cursors) c->seek(base, m_values);
      } else {
        // The cursors stand where the previous piece ended if this thread wrote it.
        if (first && m_last_piece != index - 1) {
          m_values.reset();
          const size_t n = m_cursors.size();
          for (size_t i = 0; i < std::min(n, kPrefetchAhead); ++i) m_cursors[i]->prefetch();
          for (size_t i = 0; i < n; ++i) {
            if (i + kPrefetchAhead < n) m_cursors[i + kPrefetchAhead]->prefetch();
            m_cursors[i]->seek(base - 1, m_values);
          }
        }
        m_values.set_record(&m_steps, &m_text, base);
      }
      // Each source through the whole part in turn, its cursor and log hot in the cache (the
      // sources in row order, so the steps of a cycle come in row order), each step's changes
      // formatted as they are set, then the steps sorted by cycle: a stable sort keeps that
      // order.
      const size_t n = m_cursors.size();
      for (size_t i = 0; i < std::min(n, kPrefetchAhead); ++i) m_cursors[i]->prefetch();
      for (size_t i = 0; i < n; ++i) {
        if (i + kPrefetchAhead < n) m_cursors[i + kPrefetchAhead]->prefetch();
        m_cursors[i]->run_until(part_to, m_values);
      }
      m_values.stop_record();
      sort_by_cycle();
      m_values.set_output(&out, size, last);
      m_values.write_steps(m_steps.data(), m_steps.data() + m_steps.size(), m_text.data(), base);
      size = m_values.stop_output();
      last = m_values.last_time_cycle();
      if (part_to == p.to) break;
      base = kNoCycle;
      for (const auto& c : m_cursors) base = std::min(base, c->next_cycle());
      if (base >= p.to) break;
    }
    m_last_piece = index;
  }

  // A stable LSD radix sort of m_steps by cycle, kDigitBits at a time.
  void sort_by_cycle() {
    static constexpr uint32_t kDigitBits = 11;
    static constexpr size_t kBuckets = size_t{1} << kDigitBits;
    uint32_t most = 0;
    for (const RowValues::Step& s : m_steps) most |= s.cycle;
    const uint32_t top = 32 - static_cast<uint32_t>(std::countl_zero(most));
    m_sorted.resize(m_steps.size());
    const uint32_t passes = (top + kDigitBits - 1) / kDigitBits;
    // Every pass's counts in one read of the steps.
    m_count.assign(kBuckets * passes, 0);
    for (const RowValues::Step& s : m_steps) {
      for (uint32_t k = 0; k < passes; ++k)
        ++m_count[k * kBuckets + ((s.cycle >> (k * kDigitBits)) & (kBuckets - 1))];
    }
    for (uint32_t k = 0; k < passes; ++k) {
      const uint32_t shift = k * kDigitBits;
      uint32_t* const count = m_count.data() + k * kBuckets;
      uint32_t sum = 0;
      for (size_t b = 0; b < kBuckets; ++b) sum += std::exchange(count[b], sum);
      for (const RowValues::Step& s : m_steps)
        m_sorted[count[(s.cycle >> shift) & (kBuckets - 1)]++] = s;
      m_steps.swap(m_sorted);
    }
  }

  RowValues m_values;
  std::vector<std::unique_ptr<RowCursor>> m_cursors;
  RowValues::StepList m_steps, m_sorted;
  TextBuffer m_text;  // the piece's lines, step by step
  std::vector<uint32_t> m_count;
  size_t m_last_piece = SIZE_MAX;
};

// A run's text as the threads hand it on (trace/in_order.hpp).
struct RunText {
  TextBuffer text;
  size_t size = 0;
  uint64_t last_time = kNoCycle;  // the last cycle it wrote a `#time` line for
};

}  // namespace

size_t vcd_body_memory_bytes(unsigned threads) {
  const size_t t = std::max(threads, 1u);
  return t * kThreadBytes + (t + 2) * kRunBuffer;
}

uint64_t write_vcd_body(const VcdBody& body, const std::function<void(std::string_view)>& put) {
  if (body.from >= body.to) return body.from == 0 ? 0 : kNoCycle;
  const std::vector<Piece> pieces = cut_pieces(body);
  const size_t runs = (pieces.size() + kPiecesPerRun - 1) / kPiecesPerRun;
  const unsigned threads = static_cast<unsigned>(std::clamp<size_t>(body.threads, 1, runs));
  // Before the queue: the buffers it holds at its end came from it.
  std::optional<HugePageArena> own;
  std::pmr::memory_resource* memory = body.memory;
  if (memory == nullptr) memory = own.emplace(vcd_body_memory_bytes(threads)).resource();
  const TextBuffer::allocator_type text_memory(memory);
  uint64_t last_time = body.from == 0 ? 0 : kNoCycle;
  InOrder<RunText> job;
  job.parts = runs;
  job.threads = threads;
  job.new_buffer = [&text_memory] { return RunText{TextBuffer(text_memory)}; };
  job.hand_on = [&](size_t run, RunText& r) {
    if (r.last_time != kNoCycle) last_time = r.last_time;
    put(std::string_view(r.text.data(), r.size));
    if (body.progress != nullptr) (*body.progress)(run + 1, runs);
  };
  make_in_order(job, [&] {
    return [&pieces, writer = std::make_unique<PieceWriter>(body, memory)](size_t run, RunText& r) {
      r.size =
          writer->write(pieces, run * kPiecesPerRun,
                        std::min(pieces.size(), (run + 1) * kPiecesPerRun), r.text, r.last_time);
    };
  });
  return last_time;
}

}  // namespace etchsim::trace
