# Driver for the reference.tokenizer.* tests (tokenizer_reference.cmake):
#   cmake -DETCHSIM=... -DDUMP=... -DNODE=... -DNODE_PROJECT=... -DSTRINGS=... -DMODEL=...
#         -DSYNTH_ARGS="--vocab gpt2 ..." -P tokenizer_reference_check.cmake
# 1. etchsim synth --shape tiny SYNTH_ARGS -o MODEL
# 2. node tokenize.mjs MODEL STRINGS --out MODEL.llama.json      (llama.cpp's tokenizer)
# 3. tokenize_dump MODEL STRINGS --expect MODEL.llama.json       (etchsim's, compared)
cmake_minimum_required(VERSION 3.25)

function(run)
  execute_process(COMMAND ${ARGN} OUTPUT_VARIABLE out ERROR_VARIABLE err RESULT_VARIABLE rc)
  string(JOIN " " shown ${ARGN})
  message(STATUS "running: ${shown}\n${out}")
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "command failed (exit ${rc}): ${shown}\n--- stderr ---\n${err}")
  endif()
endfunction()

if(NOT NODE OR NODE MATCHES "NOTFOUND$")
  message(FATAL_ERROR "Node.js was not found at configure time (ETCHSIM_NODE_EXECUTABLE)")
endif()
if(NOT EXISTS ${NODE_PROJECT}/node_modules/node-llama-cpp/package.json)
  message(FATAL_ERROR "node-llama-cpp is missing: run `npm ci --omit=optional` in ${NODE_PROJECT}")
endif()
set(ENV{NODE_LLAMA_CPP_SKIP_DOWNLOAD} true)  # prebuilt llama.cpp binaries only

get_filename_component(dir ${MODEL} DIRECTORY)
file(MAKE_DIRECTORY ${dir})
separate_arguments(args UNIX_COMMAND "${SYNTH_ARGS}")
file(REMOVE ${MODEL})
run(${ETCHSIM} synth --shape tiny ${args} -o ${MODEL})
run(${NODE} ${NODE_PROJECT}/tokenize.mjs --quiet ${MODEL} ${STRINGS} --out ${MODEL}.llama.json)
run(${DUMP} ${MODEL} ${STRINGS} --expect ${MODEL}.llama.json)
