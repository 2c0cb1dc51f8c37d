# etchsim_part(NAME DEPS ...): a static library etchsim_NAME from src/NAME/*.cpp with the
# public headers under include/etchsim/NAME/.
function(etchsim_part name)
  cmake_parse_arguments(ARG "" "" "DEPS" ${ARGN})
  file(GLOB sources CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/src/${name}/*.cpp)
  add_library(etchsim_${name} STATIC ${sources})
  target_include_directories(etchsim_${name} PUBLIC ${PROJECT_SOURCE_DIR}/include)
  target_link_libraries(etchsim_${name} PUBLIC ${ARG_DEPS} fmt::fmt)
endfunction()

# etchsim_test_area(NAME LIBS ...): one GoogleTest binary test_NAME from tests/NAME/*.cpp,
# each TEST run by ctest in its own process (SystemC allows one elaboration per process).
# With SYSTEMC, the binary's entry is tests/support/systemc_gtest_main.cpp: SystemC's main()
# calls sc_main, which runs the tests.
function(etchsim_test_area name)
  cmake_parse_arguments(ARG "SYSTEMC" "" "LIBS" ${ARGN})
  file(GLOB sources CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/tests/${name}/*.cpp)
  if(ARG_SYSTEMC)
    add_executable(test_${name} ${sources} ${PROJECT_SOURCE_DIR}/tests/support/systemc_gtest_main.cpp)
    target_link_libraries(test_${name} PRIVATE ${ARG_LIBS} GTest::gtest)
  else()
    add_executable(test_${name} ${sources})
    target_link_libraries(test_${name} PRIVATE ${ARG_LIBS} GTest::gtest GTest::gtest_main)
  endif()
  target_compile_definitions(test_${name} PRIVATE ETCHSIM_SOURCE_DIR="${PROJECT_SOURCE_DIR}"
                                                  ETCHSIM_BINARY_DIR="${PROJECT_BINARY_DIR}")
  gtest_discover_tests(test_${name} DISCOVERY_TIMEOUT 60 PROPERTIES LABELS ${name})
endfunction()
