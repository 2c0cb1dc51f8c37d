# `etchsim quantize` and `etchsim perplexity` against llama.cpp's own llama-quantize and
# llama-perplexity, built from the llama.cpp source node-llama-cpp ships
# (scripts/llama-oracle.sh; cached outside the build, keyed by the bundle's commit: a cold build
# takes minutes, a warm one under a second). include()d by tests/CMakeLists.txt. LABELS
# reference: they need `npm ci --omit=optional` in tests/reference, as the other cross-checks.

set(quant_dir ${CMAKE_CURRENT_BINARY_DIR}/quant_oracle)
set(quant_stories ${PROJECT_SOURCE_DIR}/models/stories260K.gguf)
set(quant_text ${PROJECT_SOURCE_DIR}/models/eval-stories.txt)

add_test(NAME quant.llama_oracle COMMAND ${PROJECT_SOURCE_DIR}/scripts/llama-oracle.sh)
set_tests_properties(quant.llama_oracle PROPERTIES LABELS reference FIXTURES_SETUP llama_oracle
                                                   TIMEOUT 3600)

# Inputs: the real model (F32, rows of 64 and 172: every K-quant falls back, ffn_down to F16),
# synthesized F32 models whose rows are all multiples of 256 (small) or partly not (ff 320: a
# multiple of 32 only), an F16 and a Q8_0 input.
set(quant_inputs "stories|${quant_stories}")
foreach(entry "small-f32|--shape small --quant f32" "ff320-f32|--shape small --ff 320 --quant f32"
              "small-f16|--shape small --quant f16" "small-q8_0|--shape small --quant q8_0")
  string(REPLACE "|" ";" entry "${entry}")
  list(GET entry 0 name)
  list(GET entry 1 synth_args)
  separate_arguments(synth_args UNIX_COMMAND "${synth_args}")
  add_test(NAME quant.synth.${name}
           COMMAND etchsim synth ${synth_args} --seed 11 -o ${quant_dir}/${name}.gguf)
  set_tests_properties(quant.synth.${name} PROPERTIES LABELS reference
                                                      FIXTURES_SETUP quant_model_${name})
  list(APPEND quant_inputs "${name}|${quant_dir}/${name}.gguf")
endforeach()
file(MAKE_DIRECTORY ${quant_dir})

function(quant_oracle_test input_name input scheme)
  set(name quant.oracle.${input_name}.${scheme}${ARGN})
  set(keep)
  if(ARGN)
    set(keep --keep-output-f16)
  endif()
  add_test(NAME ${name}
           COMMAND ${PROJECT_SOURCE_DIR}/tests/quant/quantize_oracle.sh $<TARGET_FILE:etchsim>
                   ${quant_dir} ${input} ${scheme} ${keep})
  set(fixtures llama_oracle)
  if(NOT input_name STREQUAL "stories")
    list(APPEND fixtures quant_model_${input_name})
  endif()
  set_tests_properties(${name} PROPERTIES LABELS reference FIXTURES_REQUIRED "${fixtures}"
                                          TIMEOUT 300)
endfunction()

foreach(entry ${quant_inputs})
  string(REPLACE "|" ";" entry "${entry}")
  list(GET entry 0 input_name)
  list(GET entry 1 input)
  if(input_name MATCHES "^(stories|small-f32|ff320-f32)$")
    set(schemes mix36 q3_k q4_0 q4_k q6_k q8_0 f16)
  else()
    set(schemes mix36 q4_k)
  endif()
  foreach(scheme ${schemes})
    quant_oracle_test(${input_name} ${input} ${scheme})
  endforeach()
endforeach()
quant_oracle_test(stories ${quant_stories} mix36 .keep_output_f16)

# A BF16 input: stories260K converted by llama-quantize itself (etchsim writes no BF16 models).
add_test(NAME quant.make_bf16
         COMMAND bash -c "\"$(\"$0\" | tail -1)/llama-quantize\" --pure \"$1\" \"$2\" BF16 1 >/dev/null"
                 ${PROJECT_SOURCE_DIR}/scripts/llama-oracle.sh ${quant_stories}
                 ${quant_dir}/stories-bf16.gguf)
set_tests_properties(quant.make_bf16 PROPERTIES LABELS reference FIXTURES_REQUIRED llama_oracle
                                                FIXTURES_SETUP quant_model_stories-bf16)
foreach(scheme mix36 q4_k q8_0)
  quant_oracle_test(stories-bf16 ${quant_dir}/stories-bf16.gguf ${scheme})
endforeach()

# Perplexity (and KL divergence from the F32 model) of the project's stories text under
# stories260K quantized by etchsim: etchsim perplexity = llama-perplexity within 1e-4 relative.
find_program(ETCHSIM_NODE_EXECUTABLE NAMES node nodejs DOC "Node.js for the llama.cpp reference tests")
foreach(scheme q8_0 mix36)
  set(model ${quant_dir}/stories-${scheme}.gguf)
  add_test(NAME quant.perplexity_model.${scheme}
           COMMAND etchsim quantize ${quant_stories} -o ${model} --scheme ${scheme})
  set_tests_properties(quant.perplexity_model.${scheme} PROPERTIES
                       LABELS reference FIXTURES_SETUP quant_ppl_${scheme})
  add_test(NAME quant.perplexity.${scheme}
           COMMAND ${ETCHSIM_NODE_EXECUTABLE} ${PROJECT_SOURCE_DIR}/tests/quant/perplexity_oracle.mjs
                   $<TARGET_FILE:etchsim> ${model} ${quant_text} --ctx 128 --chunks 4
                   --base ${quant_stories} --tol 1e-4)
  set_tests_properties(quant.perplexity.${scheme} PROPERTIES
                       LABELS reference FIXTURES_REQUIRED "llama_oracle;quant_ppl_${scheme}"
                       TIMEOUT 300)
endforeach()

# The chip's greedy tokens on the quantized real model = llama.cpp's (node-llama-cpp), token by
# token. stories260K's ffn_down rows (172) fit no quantized block, so they stay F16 and the run
# opts in to float weights (weight_cells.allow_f16_weights).
foreach(scheme q8_0 mix36)
  add_test(NAME quant.chip_greedy.${scheme}
           COMMAND ${ETCHSIM_NODE_EXECUTABLE} ${PROJECT_SOURCE_DIR}/tests/quant/chip_greedy.mjs
                   ${quant_dir}/stories-${scheme}.gguf --etchsim $<TARGET_FILE:etchsim> --steps 32
                   --set weight_cells.allow_f16_weights=true)
  set_tests_properties(quant.chip_greedy.${scheme} PROPERTIES
                       LABELS reference FIXTURES_REQUIRED quant_ppl_${scheme} TIMEOUT 300
                       ENVIRONMENT NODE_LLAMA_CPP_SKIP_DOWNLOAD=true)
endforeach()

# llama-quantize's own mixtures (Q4_K_M, Q3_K_M; no --pure) of a synthesized 8-layer F32 model:
# attn_v, ffn_down and attn_output types differ by layer. The file's types equal the per-layer
# rules etchsim's --weights / synth schemes follow, and the chip, each layer stage with its own
# types, gives llama.cpp's greedy tokens.
add_test(NAME quant.synth.l8-f32
         COMMAND etchsim synth --shape small --layers 8 --quant f32 --seed 11
                 -o ${quant_dir}/l8-f32.gguf)
set_tests_properties(quant.synth.l8-f32 PROPERTIES LABELS reference FIXTURES_SETUP quant_model_l8)
foreach(mixture Q4_K_M Q3_K_M)
  string(TOLOWER ${mixture} scheme)
  set(model ${quant_dir}/l8-${scheme}.gguf)
  add_test(NAME quant.llama_mixture.${scheme}
           COMMAND bash -c "\"$(\"$0\" | tail -1)/llama-quantize\" \"$1\" \"$2\" $3 1 >/dev/null"
                   ${PROJECT_SOURCE_DIR}/scripts/llama-oracle.sh ${quant_dir}/l8-f32.gguf ${model}
                   ${mixture})
  set_tests_properties(quant.llama_mixture.${scheme} PROPERTIES
                       LABELS reference FIXTURES_REQUIRED "llama_oracle;quant_model_l8"
                       FIXTURES_SETUP quant_mixture_${scheme})
  add_test(NAME quant.mixture_types.${scheme}
           COMMAND ${PROJECT_SOURCE_DIR}/tests/quant/mixture_types.sh $<TARGET_FILE:etchsim>
                   ${model} ${scheme} --shape small --layers 8 --seed 11)
  set_tests_properties(quant.mixture_types.${scheme} PROPERTIES
                       LABELS reference FIXTURES_REQUIRED quant_mixture_${scheme})
  add_test(NAME quant.chip_greedy.${scheme}
           COMMAND ${ETCHSIM_NODE_EXECUTABLE} ${PROJECT_SOURCE_DIR}/tests/quant/chip_greedy.mjs
                   ${model} --etchsim $<TARGET_FILE:etchsim> --steps 24)
  set_tests_properties(quant.chip_greedy.${scheme} PROPERTIES
                       LABELS reference FIXTURES_REQUIRED quant_mixture_${scheme} TIMEOUT 300
                       ENVIRONMENT NODE_LLAMA_CPP_SKIP_DOWNLOAD=true)
endforeach()
