# Driver for the reference ctest tests (tests/reference/CMakeLists.txt), run as
#   cmake -DMODE=... -DETCHSIM=... -DPROBE=... -DNODE=... -DNODE_PROJECT=... -DOUT_DIR=...
#         [-DFILE=model.gguf] [-DTYPE=Q4_K] [-DSYNTH_ARGS="--shape tiny ..."] -P run_check.cmake
# MODE:
#   synth     etchsim synth SYNTH_ARGS -o FILE                       (fixture set-up)
#   load      node load_model.mjs FILE                               (llama.cpp loads and runs it)
#   gguf      etchsim inspect FILE --json > FILE.inspect.json; node gguf_compare.mjs
#   logprobs  node logprobs.mjs FILE --out FILE.logprobs.json        (the oracle dump)
#   dequant   dequant_probe --type TYPE, node logprobs.mjs on its model, compare_logprobs.mjs
cmake_minimum_required(VERSION 3.25)

function(fail)
  string(JOIN "" msg ${ARGN})
  message(FATAL_ERROR "${msg}")
endfunction()

# Runs a command; on failure prints its output and fails the test.
function(run)
  cmake_parse_arguments(ARG "" "OUTPUT_FILE" "COMMAND" ${ARGN})
  string(JOIN " " shown ${ARG_COMMAND})
  message(STATUS "running: ${shown}")
  if(ARG_OUTPUT_FILE)
    execute_process(COMMAND ${ARG_COMMAND} OUTPUT_FILE ${ARG_OUTPUT_FILE} ERROR_VARIABLE err
                    RESULT_VARIABLE rc)
    set(out "(stdout in ${ARG_OUTPUT_FILE})")
  else()
    execute_process(COMMAND ${ARG_COMMAND} OUTPUT_VARIABLE out ERROR_VARIABLE err RESULT_VARIABLE rc)
  endif()
  if(NOT rc EQUAL 0)
    fail("command failed (exit ${rc}): ${shown}\n--- stdout ---\n${out}\n--- stderr ---\n${err}")
  endif()
  message(STATUS "${out}")
  set(last_stderr "${err}" PARENT_SCOPE)
endfunction()

function(require_node)
  if(NOT NODE OR NODE MATCHES "NOTFOUND$")
    fail("Node.js was not found at configure time (ETCHSIM_NODE_EXECUTABLE); install Node 20+ and "
         "re-run cmake, then run `npm ci --omit=optional` in ${NODE_PROJECT}")
  endif()
  foreach(pkg node-llama-cpp @node-llama-cpp/linux-x64 @huggingface/gguf)
    if(NOT EXISTS ${NODE_PROJECT}/node_modules/${pkg}/package.json)
      fail("${NODE_PROJECT}/node_modules/${pkg} is missing: run `npm ci --omit=optional` in "
           "${NODE_PROJECT} (tests/reference) before ctest")
    endif()
  endforeach()
endfunction()

function(require_file path)
  if(NOT EXISTS ${path})
    fail("${path} does not exist (its fixture test reference.synth.* failed or did not run)")
  endif()
endfunction()

file(MAKE_DIRECTORY ${OUT_DIR})
# llama.cpp must never be downloaded or built by node-llama-cpp here: prebuilt binaries only.
set(ENV{NODE_LLAMA_CPP_SKIP_DOWNLOAD} true)

if(MODE STREQUAL "synth")
  separate_arguments(args UNIX_COMMAND "${SYNTH_ARGS}")
  file(REMOVE ${FILE})
  run(COMMAND ${ETCHSIM} synth ${args} -o ${FILE})
  require_file(${FILE})
elseif(MODE STREQUAL "load")
  require_node()
  require_file(${FILE})
  run(COMMAND ${NODE} ${NODE_PROJECT}/load_model.mjs ${FILE})
elseif(MODE STREQUAL "gguf")
  require_node()
  require_file(${FILE})
  run(COMMAND ${ETCHSIM} inspect ${FILE} --json OUTPUT_FILE ${FILE}.inspect.json)
  run(COMMAND ${NODE} ${NODE_PROJECT}/gguf_compare.mjs ${FILE} ${FILE}.inspect.json)
elseif(MODE STREQUAL "logprobs")
  require_node()
  require_file(${FILE})
  run(COMMAND ${NODE} ${NODE_PROJECT}/logprobs.mjs ${FILE} --out ${FILE}.logprobs.json)
  string(REGEX MATCH "logprobs: [^\n]*" summary "${last_stderr}")
  message(STATUS "${summary} -> ${FILE}.logprobs.json")
elseif(MODE STREQUAL "dequant")
  require_node()
  set(stem ${OUT_DIR}/dequant-${TYPE})
  run(COMMAND ${PROBE} --type ${TYPE} --model ${stem}.gguf --expect ${stem}.expect.json)
  run(COMMAND ${NODE} ${NODE_PROJECT}/logprobs.mjs ${stem}.gguf --tokens-json
              ${stem}.expect.json --out ${stem}.llama.json)
  run(COMMAND ${NODE} ${NODE_PROJECT}/compare_logprobs.mjs ${stem}.expect.json ${stem}.llama.json
              --tol 1e-4)
else()
  fail("run_check.cmake: unknown MODE '${MODE}'")
endif()
