// The chip top (docs/design.md "chip/"): n_layer LayerStages and the LmHead chained between the two
// host-link units, the KV SRAM, one clock process and one TLM-2.0 target socket for the host
// (address map: etchsim/protocol/address_map.hpp, docs/integration.md).
//
// Time: one clock period is `clock_period` of SystemC time (etchsim runs use 1 ns, so SystemC
// time counts cycles; seconds are cycles / clock_hz).
// Clocking: lockstep evaluates the pipeline every cycle. Skip (traced or not) computes every unit's
// changes ahead of SystemC time at each host access, as far as they are decided (Pipeline's flow
// mode), and the host sees them at their cycles (the input register's free cycle, the token FIFO's
// visible_at, the KV SRAM's settled occupancy). The host's accesses first bring the chip up to
// the current cycle, so what the host sees never depends on the order of processes within a
// cycle.
#pragma once

#include <tlm_utils/simple_target_socket.h>

#include <deque>
#include <functional>
#include <memory>
#include <span>
#include <systemc>
#include <tlm>
#include <vector>

#include "etchsim/chip/chip_context.hpp"
#include "etchsim/chip/kv_sram.hpp"
#include "etchsim/chip/layer_stage.hpp"
#include "etchsim/chip/lm_head.hpp"
#include "etchsim/chip/lora_sram.hpp"
#include "etchsim/chip/pipeline.hpp"
#include "etchsim/chip/token_store.hpp"
#include "etchsim/chip/trace_log.hpp"
#include "etchsim/chip/unit_timing_source.hpp"
#include "etchsim/protocol/address_map.hpp"

namespace etchsim::chip {

struct ChipParams {
  arch::ChipConfig config;
  model::LlamaShape shape;
  arch::ModelWeightTypes types = arch::WeightTypes::uniform(gguf::GgmlType::Q4_0);  // per layer
  uint32_t max_positions = 1;                       // the longest sequence that will be opened
  const golden::LayerDatapath* datapath = nullptr;  // functional runs; nullptr: timing only
  golden::SamplingParams sampling;
  bool lockstep = false;
  sc_core::sc_time clock_period = sc_core::sc_time(1, sc_core::SC_NS);
  // Layer units whose cycles come from RTL in the loop instead of their formula.
  std::vector<UnitTimingOverride> timing_overrides;
};

class Chip : public sc_core::sc_module {
 public:
  tlm_utils::simple_target_socket<Chip> host_socket;

  SC_HAS_PROCESS(Chip);
  Chip(sc_core::sc_module_name name, const ChipParams& params);
  ~Chip() override;

  uint64_t cycle() const;
  const Pipeline& pipeline() const { return m_pipeline; }
  const KvSram& kv_sram() const { return *m_kv; }
  const LoraSram& lora_sram() const { return *m_lora; }
  const std::vector<std::unique_ptr<LayerStage>>& layers() const { return m_layers; }
  const LmHead& lm_head() const { return *m_head; }
  const PipelineUnit& host_in() const { return *m_host_in; }
  const PipelineUnit& host_out() const { return *m_host_out; }
  uint64_t wakes() const { return m_wakes; }
  uint64_t token_fifo_depth() const { return m_fifo_depth; }

  // Functional runs: every token's logits, when the output matvec computes them.
  void on_logits(LmHead::LogitsFn fn) { m_head->on_logits(std::move(fn)); }
  // Traced runs (before sc_start): from now on every change is recorded in the returned log,
  // which lives as long as the chip. Tracing does not change the clocking mode or any cycle.
  // `expected_tokens`: tokens the run feeds (0: unknown), to size the log's lists.
  const ChipTraceLog& enable_trace_log(uint64_t expected_tokens = 0);
  // The memory enable_trace_log(expected_tokens) sets aside for the log, which a run feeding that
  // many tokens fills: every token through every unit, whichever layers are traced.
  uint64_t trace_log_bytes(uint64_t expected_tokens) const;

 private:
  // The socket's interface (docs/integration.md "Timing"): b_transport honours the annotated
  // delay (accesses whose answer does not depend on time complete at the initiator's local time
  // without a wait; the others synchronise first), transport_dbg reads every readable register
  // and peeks the token FIFO without time or side effects, get_direct_mem_ptr grants the
  // embedding staging buffer and a begun LoRA image.
  void b_transport(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay);
  unsigned int transport_dbg(tlm::tlm_generic_payload& trans);
  bool get_direct_mem_ptr(tlm::tlm_generic_payload& trans, tlm::tlm_dmi& dmi);
  tlm::tlm_response_status transport(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay);
  static bool needs_sync(uint64_t address, bool write);
  tlm::tlm_response_status read_register(uint64_t address, uint32_t& value,
                                         const sc_core::sc_time& delay);
  tlm::tlm_response_status write_register(uint64_t address, uint32_t value,
                                          sc_core::sc_time& delay);
  tlm::tlm_response_status submit_embedding(sc_core::sc_time& delay);
  tlm::tlm_response_status read_token(std::span<unsigned char> data);
  void invalidate_lora_dmi();

  void clock_process();
  void evaluate(uint64_t cycle);  // the pipeline at `cycle`, once
  void arm_wake(uint64_t cycle);  // calendar mode: wake at the next due cycle
  void notify_at(sc_core::sc_event& event, uint64_t at);  // at cycle `at` (now if passed)
  bool sink(const TokenTag& tag, uint64_t cycle);

  ChipParams m_params;
  sc_core::sc_time m_period;
  Pipeline m_pipeline;
  std::unique_ptr<KvSram> m_kv;
  std::unique_ptr<LoraSram> m_lora;
  TokenStore m_tokens;
  ChipContext m_ctx;
  std::unique_ptr<PipelineUnit> m_host_in;
  std::vector<std::unique_ptr<LayerStage>> m_layers;
  std::unique_ptr<LmHead> m_head;
  std::unique_ptr<PipelineUnit> m_host_out;

  sc_core::sc_event m_wake_event;
  sc_core::sc_event m_input_free_event;
  sc_core::sc_event m_token_event;
  uint64_t m_evaluated = kNever;  // last cycle evaluated
  uint64_t m_wakes = 0;

  bool m_started = false;
  uint32_t m_last_seq = protocol::kSeqRefused;
  protocol::TokenEntry m_next_embed;           // seq, pos, flags of the next embedding write
  uint32_t m_next_lora = protocol::kLoraNone;  // the adapter SEQ_OPEN binds
  uint32_t m_last_lora = protocol::kLoraRefused;
  uint32_t m_next_seed = protocol::kSeqSeedId;  // the seed offset SEQ_OPEN gives (then reset)
  std::vector<float> m_embed_stage;  // the embedding window's staging buffer (n_embd floats)
  bool m_lora_dmi = false;           // the LoRA image being loaded was granted by DMI
  // The token-out FIFO. An entry pushed while the pipeline runs ahead of SystemC time (flow
  // mode) becomes visible to the host at its cycle.
  struct FifoEntry {
    protocol::TokenEntry entry;
    uint64_t visible_at;
  };
  size_t visible_entries(uint64_t cycle) const;
  bool sequence_busy(uint32_t seq, uint64_t cycle) const;
  std::deque<FifoEntry> m_fifo;
  uint64_t m_fifo_depth = 0;
  std::vector<uint32_t> m_in_flight;  // per sequence

  std::unique_ptr<ChipTraceLog> m_log;  // traced runs
  void log_lora();                      // traced runs: the LoRA SRAM's bytes now
};

}  // namespace etchsim::chip
