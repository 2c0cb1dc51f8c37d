# Tokenizer agreement with llama.cpp (encode and decode), meant to be include()d from
# tests/reference/CMakeLists.txt (or tests/CMakeLists.txt). For each synthesized vocabulary,
# tests/reference/tokenize.mjs runs llama.cpp's tokenizer (node-llama-cpp 3.21.1) over
# tests/model/tokenizer_strings.json and tokenize_dump compares etchsim's model::Tokenizer with it:
# tokens with and without special-token parsing, decode of both, every token's piece, special ids.
# LABELS reference; needs `npm ci --omit=optional` in tests/reference like the other reference
# tests (the driver fails loudly without it).

add_executable(tokenize_dump ${PROJECT_SOURCE_DIR}/tests/model/tools/tokenize_dump.cpp)
target_link_libraries(tokenize_dump PRIVATE etchsim_model etchsim_gguf nlohmann_json::nlohmann_json
                                            fmt::fmt)

find_program(ETCHSIM_NODE_EXECUTABLE NAMES node nodejs DOC "Node.js for the llama.cpp reference tests")

# name;synth arguments: the 512-token gpt2 and spm vocabularies, Llama 3's 128256-token layout
# (with its 256 special tokens) and a Llama 2-sized SentencePiece vocabulary.
set(tokenizer_ref_models
    "gpt2-512|--vocab gpt2"
    "spm-512|--vocab spm"
    "gpt2-128256|--vocab gpt2 --vocab-size 128256"
    "spm-32000|--vocab spm --vocab-size 32000")
foreach(entry ${tokenizer_ref_models})
  string(REPLACE "|" ";" entry "${entry}")
  list(GET entry 0 name)
  list(GET entry 1 synth_args)
  add_test(
    NAME reference.tokenizer.${name}
    COMMAND
      ${CMAKE_COMMAND} -DETCHSIM=$<TARGET_FILE:etchsim> -DDUMP=$<TARGET_FILE:tokenize_dump>
      -DNODE=${ETCHSIM_NODE_EXECUTABLE} -DNODE_PROJECT=${PROJECT_SOURCE_DIR}/tests/reference
      -DSTRINGS=${PROJECT_SOURCE_DIR}/tests/model/tokenizer_strings.json
      -DMODEL=${CMAKE_CURRENT_BINARY_DIR}/tokenizer/${name}.gguf "-DSYNTH_ARGS=${synth_args}" -P
      ${PROJECT_SOURCE_DIR}/tests/model/tokenizer_reference_check.cmake)
  set_tests_properties(reference.tokenizer.${name} PROPERTIES LABELS reference TIMEOUT 300)
endforeach()
