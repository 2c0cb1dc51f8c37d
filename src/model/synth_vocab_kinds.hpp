// Internal to model/: the two vocabulary builders behind make_synth_vocab.
#pragma once

#include <cstdint>

#include "etchsim/model/synth_vocab.hpp"

namespace etchsim::model::detail {

SynthVocab make_bpe_vocab(uint32_t n_vocab);
SynthVocab make_spm_vocab(uint32_t n_vocab);

}  // namespace etchsim::model::detail
