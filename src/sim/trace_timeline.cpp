#include "trace_timeline.hpp"

#include <fmt/compile.h>
#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <deque>
#include <stdexcept>

#include "etchsim/io/output_path.hpp"
#include "etchsim/trace/in_order.hpp"
#include "kv_replay.hpp"
#include "timeline_text.hpp"

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

// Event text: each event after the first is preceded by ",\n" (the file's first one, the host
// link's name, by "\n").
class EventText {
 public:
  EventText(fmt::memory_buffer& out, const ChipMicroseconds& us) : m_out(out), m_us(us) {}

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
    // By hand (timeline_text.hpp): a long run writes millions of these.
    const size_t start = m_out.size();
    m_out.resize(start + kMaxSliceChars);
    char* p = m_out.data() + start;
    p = put(p, ",\n");
    p = put(p, R"({"ph":"X","name":"u)");
    p = put_decimal(p, a.seq);
    p = put(p, " p");
    p = put_decimal(p, a.pos);
    p = put(p, R"(","pid":)");
    p = put_decimal(p, pid);
    p = put(p, R"(,"tid":)");
    p = put_decimal(p, tid);
    p = put(p, R"(,"ts":)");
    p = m_us.put(p, a.cycle);
    p = put(p, R"(,"dur":)");
    p = m_us.put(p, left - a.cycle);
    p = put(p, R"(,"args":{"user":)");
    p = put_decimal(p, a.seq);
    p = put(p, R"(,"pos":)");
    p = put_decimal(p, a.pos);
    p = put(p, R"(,"cycle":)");
    p = put_decimal(p, a.cycle);
    p = put(p, R"(,"cycles":)");
    p = put_decimal(p, left - a.cycle);
    p = put(p, R"(,"stalled_cycles":)");
    p = put_decimal(p, stalled);
    p = put(p, "}}");
    m_out.resize(static_cast<size_t>(p - m_out.data()));
  }
  void counter(uint32_t pid, std::string_view name, uint64_t cycle, std::string_view series,
               double value) {
    next();
    char ts[kMaxNumberChars];
    const std::string_view time(ts, static_cast<size_t>(m_us.put(ts, cycle) - ts));
    fmt::format_to(
        fmt::appender(m_out),
        FMT_COMPILE(R"({{"ph":"C","name":"{}","pid":{},"tid":0,"ts":{},"args":{{"{}":{}}}}})"),
        name, pid, time, series, value);
  }
  // The file's first event comes next.
  void first() { m_first = true; }

 private:
  // A slice's fixed text (~110 chars) and its eleven numbers.
  static constexpr size_t kMaxSliceChars = 128 + 11 * kMaxNumberChars;

  template <size_t N>
  static char* put(char* out, const char (&text)[N]) {
    std::memcpy(out, text, N - 1);
    return out + N - 1;
  }
  void next() {
    m_out.append(std::string_view(m_first ? "\n" : ",\n"));
    m_first = false;
  }
  template <typename... Args>
  void append(fmt::format_string<Args...> format, Args&&... args) {
    fmt::format_to(fmt::appender(m_out), format, std::forward<Args>(args)...);
  }

  fmt::memory_buffer& m_out;
  const ChipMicroseconds& m_us;
  bool m_first = false;
};

// Slices a part makes at most (~160 bytes each): a long run's unit is cut into parts of this
// many tokens, so the parts in flight stay a few MB however long the run.
constexpr size_t kPartTokens = 4096;

// A unit's share of the timeline: its process's name first when it is a layer's first unit.
struct UnitPart {
  const chip::PipelineUnit* unit = nullptr;
  const chip::UnitLog* log = nullptr;
  uint32_t pid = 0, tid = 0;  // its first slot's thread
  std::string process;        // the process's name when its events come first, or empty
  uint32_t sort = 0;          // that process's place
  size_t first = 0, end = 0;  // its tokens [first, end)
  size_t units_done = 0;      // units whose slices are all written after this part
};

// One part's events: the unit's threads' names (and its process's) with its first tokens; token i
// on thread tid + i mod capacity; only the slices that overlap the window [from, to), whole.
void unit_part(EventText& ev, const UnitPart& part, const CycleWindow& window) {
  const chip::PipelineUnit& unit = *part.unit;
  const chip::UnitLog& log = *part.log;
  const uint32_t slots = unit.capacity();
  if (part.first == 0) {
    if (!part.process.empty()) {
      ev.meta("process_name", part.pid, 0, part.process);
      ev.sort_index(part.pid, part.sort);
    }
    for (uint32_t s = 0; s < slots; ++s) {
      ev.meta("thread_name", part.pid, part.tid + s,
              slots == 1 ? unit.name() : fmt::format("{} #{}", unit.name(), s));
    }
  }
  uint64_t last_left = part.first > 0 ? log.completes[part.first - 1] : 0;
  for (size_t i = part.first; i < part.end; ++i) {
    const chip::UnitLog::Accept& a = log.accepts[i];
    const uint64_t left = log.completes[i];
    // The wait with a ready result, from when the token was the oldest inside (as the report).
    const uint64_t from = std::max(a.done, last_left);
    last_left = left;
    if (left <= window.from) continue;
    if (a.cycle >= window.to) break;  // accepts come in rising cycles
    ev.slice(part.pid, part.tid + static_cast<uint32_t>(i % slots), a, left,
             left > from ? left - from : 0);
  }
}

// The file's first events and its counters, streamed through a buffer of their own.
class Stream {
 public:
  Stream(io::OutputFile& out, const ChipMicroseconds& us) : m_out(out), m_ev(m_buffer, us) {}
  EventText& ev() { return m_ev; }
  void put(std::string_view text) { m_buffer.append(text); }
  // A counter event; the buffer is written out when it holds a MB or more.
  void counter(uint32_t pid, std::string_view name, uint64_t cycle, std::string_view series,
               double value) {
    m_ev.counter(pid, name, cycle, series, value);
    if (m_buffer.size() >= kFlushBytes) flush();
  }
  void flush() {
    m_out.write(std::string_view(m_buffer.data(), m_buffer.size()));
    m_buffer.clear();
  }

 private:
  static constexpr size_t kFlushBytes = size_t{1} << 20;
  io::OutputFile& m_out;
  fmt::memory_buffer m_buffer;
  EventText m_ev;
};

// The KV SRAM's bytes after every change, replayed in cycle order from the writes and closes.
void kv_counter(Stream& ev, const TraceSource& src, const CycleWindow& window) {
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
void rate_counter(Stream& ev, const chip::ChipTraceLog& log, double clock_hz,
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

// Every unit's parts in the file's order: the host link's two units, each traced layer's units,
// the LM head's.
std::vector<UnitPart> unit_parts(const TraceSource& src) {
  const chip::Chip& chip = src.chip;
  const chip::ChipTraceLog& log = src.log;
  std::vector<UnitPart> parts;
  size_t units_done = 0;
  // Every part of one unit; `process` and `sort` go with its first.
  const auto add = [&](const chip::PipelineUnit& unit, const chip::UnitLog& unit_log, uint32_t pid,
                       uint32_t& tid, std::string process, uint32_t sort) {
    const size_t tokens = std::min(unit_log.accepts.size(), unit_log.completes.size());
    size_t first = 0;
    do {
      UnitPart part;
      part.unit = &unit;
      part.log = &unit_log;
      part.pid = pid;
      part.tid = tid;
      part.first = first;
      part.end = std::min(tokens, first + kPartTokens);
      if (first == 0) {
        part.process = std::move(process);
        part.sort = sort;
      }
      first = part.end;
      if (first == tokens) part.units_done = ++units_done;
      parts.push_back(std::move(part));
    } while (first < tokens);
    tid += unit.capacity();
  };
  // pid 1: host link and counters (its name is the file's first event); 2 + l: layer l;
  // 2 + n_layer: LM head.
  uint32_t tid = 1;
  add(chip.host_in(), log.units.front(), 1, tid, "", 0);
  add(chip.host_out(), log.units.back(), 1, tid, "", 0);
  size_t index = 1;
  for (const auto& layer : chip.layers()) {
    const uint32_t l = layer->layer();
    const bool traced = l < src.layers.size() && src.layers[l];
    std::string process = traced ? fmt::format("L{:02}", l) : "";
    tid = 1;
    for (const auto& unit : layer->units()) {
      if (traced) {
        add(*unit, log.units[index], 2 + l, tid, std::exchange(process, ""), 1 + l);
      } else {
        ++units_done;
      }
      ++index;
    }
  }
  const auto n_layer = static_cast<uint32_t>(chip.layers().size());
  std::string process = "lm_head";
  tid = 1;
  for (const auto& unit : chip.lm_head().units())
    add(*unit, log.units[index++], 2 + n_layer, tid, std::exchange(process, ""), 1 + n_layer);
  return parts;
}

}  // namespace

void write_timeline(io::OutputFile& out, const TraceSource& src, double clock_hz,
                    const CycleWindow& window, unsigned threads, const TimelineProgress& progress) {
  if (!(clock_hz > 0)) throw std::invalid_argument("timeline: bad clock frequency");
  const ChipMicroseconds us(clock_hz);
  const uint64_t n_units = src.log.units.size();
  Stream stream(out, us);
  stream.put("{\"traceEvents\":[");
  stream.ev().first();
  stream.ev().meta("process_name", 1, 0, "host link");
  stream.ev().sort_index(1, 0);
  stream.flush();
  const std::vector<UnitPart> parts = unit_parts(src);
  trace::InOrder<fmt::memory_buffer> job;
  job.parts = parts.size();
  job.threads = threads;
  job.new_buffer = [] { return fmt::memory_buffer(); };
  job.hand_on = [&](size_t part, fmt::memory_buffer& text) {
    out.write(std::string_view(text.data(), text.size()));
    text.clear();
    if (progress && parts[part].units_done > 0) progress(parts[part].units_done, n_units);
  };
  trace::make_in_order(job, [&] {
    return [&](size_t part, fmt::memory_buffer& text) {
      EventText ev(text, us);
      unit_part(ev, parts[part], window);
    };
  });
  // Counters on the host link's process.
  kv_counter(stream, src, window);
  rate_counter(stream, src.log, clock_hz, window);
  stream.put(fmt::format(
      "\n],\"displayTimeUnit\":\"ns\",\"otherData\":{{\"generator\":\"etchsim\","
      "\"clock_hz\":{},\"time\":\"microseconds of chip time (cycles / clock_hz)\"}}}}\n",
      clock_hz));
  stream.flush();
}

void write_timeline(const std::filesystem::path& path, const TraceSource& source, double clock_hz,
                    const CycleWindow& window, unsigned threads, const TimelineProgress& progress) {
  io::OutputFile out(path, io::OlderFile::kReuse);
  write_timeline(out, source, clock_hz, window, threads, progress);
  out.commit();
}

}  // namespace etchsim::sim
