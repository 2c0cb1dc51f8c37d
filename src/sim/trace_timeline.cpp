#include "trace_timeline.hpp"

#include <fmt/compile.h>
#include <fmt/format.h>

#include <algorithm>
#include <deque>
#include <stdexcept>

#include "etchsim/io/output_path.hpp"
#include "kv_replay.hpp"

namespace etchsim::sim {
namespace {

// JSON string contents: unit and layer names are identifiers, but escape what JSON requires.
std::string escaped(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      out += fmt::format("\\u{:04x}", static_cast<unsigned>(c));
    } else {
      out += c;
    }
  }
  return out;
}

// The events, streamed into the file through a buffer: a long multi-user run's timeline is
// gigabytes (one slice per token and unit), which a string holding all of it would need twice over
// while it grows.
class Events {
 public:
  Events(io::OutputFile& out, double clock_hz) : m_out(out), m_us_per_cycle(1e6 / clock_hz) {
    m_buffer.reserve(kFlushBytes + 4096);
    put("{\"traceEvents\":[");
  }
  void meta(const char* what, uint32_t pid, uint32_t tid, const std::string& name) {
    next();
    append(R"({{"ph":"M","name":"{}","pid":{},"tid":{},"args":{{"name":"{}"}}}})", what, pid, tid,
           escaped(name));
  }
  void sort_index(uint32_t pid, uint32_t index) {
    next();
    append(
        R"({{"ph":"M","name":"process_sort_index","pid":{},"tid":0,"args":{{"sort_index":{}}}}})",
        pid, index);
  }
  void slice(uint32_t pid, uint32_t tid, const chip::UnitLog::Accept& a, uint64_t left,
             uint64_t stalled) {
    next();
    // Compiled: a long run writes millions of these, and parsing the format string each time
    // took most of the time.
    fmt::format_to(
        fmt::appender(m_buffer),
        FMT_COMPILE(
            R"({{"ph":"X","name":"u{} p{}","pid":{},"tid":{},"ts":{:.6f},"dur":{:.6f},"args":{{"user":{},"pos":{},"cycle":{},"cycles":{},"stalled_cycles":{}}}}})"),
        a.seq, a.pos, pid, tid, us(a.cycle), us(left - a.cycle), a.seq, a.pos, a.cycle,
        left - a.cycle, stalled);
  }
  void counter(uint32_t pid, std::string_view name, uint64_t cycle, std::string_view series,
               double value) {
    next();
    fmt::format_to(
        fmt::appender(m_buffer),
        FMT_COMPILE(R"({{"ph":"C","name":"{}","pid":{},"tid":0,"ts":{:.6f},"args":{{"{}":{}}}}})"),
        name, pid, us(cycle), series, value);
  }
  // The closing part; then the file is complete but for its commit.
  void finish(double clock_hz) {
    append(
        "\n],\"displayTimeUnit\":\"ns\",\"otherData\":{{\"generator\":\"etchsim\","
        "\"clock_hz\":{},\"time\":\"microseconds of chip time (cycles / clock_hz)\"}}}}\n",
        clock_hz);
    flush();
  }

 private:
  static constexpr size_t kFlushBytes = size_t{1} << 20;

  double us(uint64_t cycles) const { return static_cast<double>(cycles) * m_us_per_cycle; }
  // The separator before an event.
  void next() {
    if (m_buffer.size() >= kFlushBytes) flush();
    put(m_first ? "\n" : ",\n");
    m_first = false;
  }
  void put(std::string_view text) { m_buffer.append(text); }
  template <typename... Args>
  void append(fmt::format_string<Args...> format, Args&&... args) {
    fmt::format_to(fmt::appender(m_buffer), format, std::forward<Args>(args)...);
  }
  void flush() {
    m_out.write(std::string_view(m_buffer.data(), m_buffer.size()));
    m_buffer.clear();
  }

  io::OutputFile& m_out;
  double m_us_per_cycle;
  fmt::memory_buffer m_buffer;
  bool m_first = true;
};

// One unit's slices: token i on thread tid0 + i mod capacity; only those overlapping the window
// [from, to), whole.
void unit_slices(Events& ev, uint32_t pid, uint32_t& tid, const chip::PipelineUnit& unit,
                 const chip::UnitLog& log, const CycleWindow& window) {
  const uint32_t slots = unit.capacity();
  for (uint32_t s = 0; s < slots; ++s) {
    ev.meta("thread_name", pid, tid + s,
            slots == 1 ? unit.name() : fmt::format("{} #{}", unit.name(), s));
  }
  uint64_t last_left = 0;
  for (size_t i = 0; i < log.completes.size() && i < log.accepts.size(); ++i) {
    const chip::UnitLog::Accept& a = log.accepts[i];
    const uint64_t left = log.completes[i];
    // The wait with a ready result, from when the token was the oldest inside (as the report).
    const uint64_t from = std::max(a.done, last_left);
    last_left = left;
    if (left <= window.from) continue;
    if (a.cycle >= window.to) break;  // accepts come in rising cycles
    ev.slice(pid, tid + static_cast<uint32_t>(i % slots), a, left, left > from ? left - from : 0);
  }
  tid += slots;
}

// The KV SRAM's bytes after every change, replayed in cycle order from the writes and closes.
void kv_counter(Events& ev, const TraceSource& src, const CycleWindow& window) {
  const auto n_layer = static_cast<uint32_t>(src.chip.layers().size());
  const uint64_t row_pair = src.chip.kv_sram().bytes_per_position() / std::max(n_layer, 1u);
  // A change before the window: the bytes after the last one are written at `from`.
  bool before_window = false;
  uint64_t bytes_before = 0;
  replay_kv(
      src.log, n_layer, row_pair, [](uint64_t, uint32_t, uint64_t) {},
      [&](uint64_t t, uint64_t bytes) {
        if (t >= window.to) return;
        if (t < window.from) {
          before_window = true;
          bytes_before = bytes;
          return;
        }
        if (before_window) {
          if (t > window.from)
            ev.counter(1, "KV SRAM", window.from, "bytes", static_cast<double>(bytes_before));
          before_window = false;
        }
        ev.counter(1, "KV SRAM", t, "bytes", static_cast<double>(bytes));
      },
      src.memory);
  if (before_window)
    ev.counter(1, "KV SRAM", window.from, "bytes", static_cast<double>(bytes_before));
}

// Generated tokens per second over the last 16 tokens, at every generated token in the window.
void rate_counter(Events& ev, const chip::ChipTraceLog& log, double clock_hz,
                  const CycleWindow& window) {
  std::deque<uint64_t> recent;  // the cycles of the last 16 generated tokens
  for (const chip::ChipTraceLog::SinkTake& s : log.sink) {
    if (!s.emit) continue;
    if (s.cycle >= window.to) break;
    recent.push_back(s.cycle);
    if (recent.size() > 16) recent.pop_front();
    if (s.cycle < window.from || recent.size() < 2 || recent.back() == recent.front()) continue;
    const double rate = static_cast<double>(recent.size() - 1) * clock_hz /
                        static_cast<double>(recent.back() - recent.front());
    ev.counter(1, "generated tokens/s", s.cycle, "tokens_per_s", rate);
  }
}

}  // namespace

void write_timeline(io::OutputFile& out, const TraceSource& src, double clock_hz,
                    const CycleWindow& window, const TimelineProgress& progress) {
  if (!(clock_hz > 0)) throw std::invalid_argument("timeline: bad clock frequency");
  const chip::Chip& chip = src.chip;
  const chip::ChipTraceLog& log = src.log;
  Events ev(out, clock_hz);
  // pid 1: host link and counters; 2 + l: layer l; 2 + n_layer: LM head.
  const auto n_layer = static_cast<uint32_t>(chip.layers().size());
  const uint64_t n_units = log.units.size();
  const auto unit_done = [&](size_t done) {
    if (progress) progress(done, n_units);
  };
  uint32_t tid = 1;
  ev.meta("process_name", 1, 0, "host link");
  ev.sort_index(1, 0);
  unit_slices(ev, 1, tid, chip.host_in(), log.units.front(), window);
  unit_slices(ev, 1, tid, chip.host_out(), log.units.back(), window);
  unit_done(2);
  size_t index = 1;
  for (const auto& layer : chip.layers()) {
    const uint32_t l = layer->layer();
    const uint32_t pid = 2 + l;
    const bool traced = l < src.layers.size() && src.layers[l];
    if (traced) {
      ev.meta("process_name", pid, 0, fmt::format("L{:02}", l));
      ev.sort_index(pid, 1 + l);
    }
    tid = 1;
    for (const auto& unit : layer->units()) {
      if (traced) unit_slices(ev, pid, tid, *unit, log.units[index], window);
      ++index;
      unit_done(index + 1);
    }
  }
  const uint32_t head_pid = 2 + n_layer;
  ev.meta("process_name", head_pid, 0, "lm_head");
  ev.sort_index(head_pid, 1 + n_layer);
  tid = 1;
  for (const auto& unit : chip.lm_head().units()) {
    unit_slices(ev, head_pid, tid, *unit, log.units[index++], window);
    unit_done(index + 1);
  }
  // Counters on the host link's process.
  kv_counter(ev, src, window);
  rate_counter(ev, log, clock_hz, window);
  ev.finish(clock_hz);
}

void write_timeline(const std::filesystem::path& path, const TraceSource& source, double clock_hz,
                    const CycleWindow& window, const TimelineProgress& progress) {
  io::OutputFile out(path, io::OlderFile::kReuse);
  write_timeline(out, source, clock_hz, window, progress);
  out.commit();
}

}  // namespace etchsim::sim
