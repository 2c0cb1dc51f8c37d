# Golden model vs llama.cpp (log-probabilities), include()d at the end of tests/CMakeLists.txt.
# For every shape x weight scheme (etchsim's and two llama-quantize mixtures, whose types differ
# by layer): a fixture test synthesizes the model, then
# tests/golden/reference_agreement.mjs compares `etchsim golden` with llama.cpp (node-llama-cpp
# 3.21.1, CPU, flash attention off) for the F32 and the F16 KV cache: teacher-forced
# log-probabilities within 1e-4 over every position and the whole vocabulary, and 32 greedy steps.
# LABELS reference; needs `npm ci --omit=optional` in tests/reference (the script fails with that
# instruction otherwise).

find_program(ETCHSIM_NODE_EXECUTABLE NAMES node nodejs DOC "Node.js for the llama.cpp reference tests")

# name|synth arguments. gqa3: n_embd 96 (not a power of two), 6 heads on 2 KV heads; its rows are
# not multiples of 256, so synth stores K-quant schemes in 32-element fallback types. small: GQA 2
# with real K-quant super-blocks. mha768: n_embd 768 = 3 x 256, n_head_kv == n_head, Llama 3.1
# rope_freqs and freq_base 500000.
set(golden_ref_shapes
    "gqa3|--shape tiny --embd 96 --heads 6 --kv-heads 2 --ff 160"
    "small|--shape small"
    "mha768|--shape small --embd 768 --heads 12 --kv-heads 12 --ff 1280 --rope-freqs true --rope-base 500000")
set(golden_ref_dir ${CMAKE_CURRENT_BINARY_DIR}/golden_agreement)
file(MAKE_DIRECTORY ${golden_ref_dir})

foreach(entry ${golden_ref_shapes})
  string(REPLACE "|" ";" entry "${entry}")
  list(GET entry 0 shape)
  list(GET entry 1 synth_args)
  separate_arguments(synth_args UNIX_COMMAND "${synth_args}")
  foreach(quant f32 f16 q8_0 q4_0 q4_k q3_k q6_k mix36 q4_k_m q3_k_m)
    set(stem ${shape}-${quant})
    set(model ${golden_ref_dir}/${stem}.gguf)
    add_test(NAME reference.golden.synth.${stem}
             COMMAND etchsim synth ${synth_args} --quant ${quant} --seed 5 -o ${model})
    set_tests_properties(reference.golden.synth.${stem} PROPERTIES
                         LABELS reference FIXTURES_SETUP golden_model_${stem})
    foreach(kv f32 f16)
      set(test reference.golden.agreement.${stem}.kv_${kv})
      add_test(NAME ${test}
               COMMAND ${ETCHSIM_NODE_EXECUTABLE}
                       ${PROJECT_SOURCE_DIR}/tests/golden/reference_agreement.mjs ${model}
                       --etchsim $<TARGET_FILE:etchsim> --kv ${kv} --eval token --steps 32
                       --tol 1e-4)
      set_tests_properties(${test} PROPERTIES
                           LABELS reference FIXTURES_REQUIRED golden_model_${stem} TIMEOUT 300
                           ENVIRONMENT NODE_LLAMA_CPP_SKIP_DOWNLOAD=true)
    endforeach()
  endforeach()
endforeach()

# LoRA: golden with an adapter vs llama.cpp with the same adapter (node-llama-cpp
# context option lora: {adapters: [{filePath, scale}]}), teacher-forced log-probabilities within
# 1e-4. Bases: gqa3 q8_0 (Q8_0 base weights) and small q4_k (real Q4_K super-blocks, which
# llama.cpp repacks, while its LoRA tensors are never repacked); adapters f32 and f16 (rank 8, so
# B is 8 wide: the float vec_dot tail paths), on attn_q, attn_v and ffn_down, alpha 16 (scale
# 2 * --lora-scale). The model fixtures are the ones above.
foreach(base gqa3-q8_0 small-q4_k)
  foreach(lora_type f32 f16)
    set(stem ${base}-lora-${lora_type})
    set(adapter ${golden_ref_dir}/${stem}.gguf)
    add_test(NAME reference.golden.synth_lora.${stem}
             COMMAND etchsim synth-lora ${golden_ref_dir}/${base}.gguf -o ${adapter} --rank 8
                     --targets attn_q,attn_v,ffn_down --alpha 16 --type ${lora_type} --seed 7)
    set_tests_properties(reference.golden.synth_lora.${stem} PROPERTIES
                         LABELS reference FIXTURES_REQUIRED golden_model_${base}
                         FIXTURES_SETUP golden_lora_${stem})
    set(test reference.golden.lora_agreement.${stem})
    add_test(NAME ${test}
             COMMAND ${ETCHSIM_NODE_EXECUTABLE}
                     ${PROJECT_SOURCE_DIR}/tests/golden/reference_agreement.mjs
                     ${golden_ref_dir}/${base}.gguf --etchsim $<TARGET_FILE:etchsim> --kv f16
                     --eval token --steps 16 --tol 1e-4 --lora ${adapter} --lora-scale 0.75)
    set_tests_properties(${test} PROPERTIES
                         LABELS reference FIXTURES_REQUIRED "golden_model_${base};golden_lora_${stem}"
                         TIMEOUT 300 ENVIRONMENT NODE_LLAMA_CPP_SKIP_DOWNLOAD=true)
  endforeach()
endforeach()
