# etchsim_part(NAME [HEADER_ONLY] DEPS ...): the library etchsim_NAME with the public headers under
# include/etchsim/NAME/: static, from src/NAME/*.cpp, or an interface library for a HEADER_ONLY
# part. `etchsim::NAME` names it in this build and in the installed package (cmake/EtchsimInstall.cmake
# installs every part and exports it under that name).
function(etchsim_part name)
  cmake_parse_arguments(ARG "HEADER_ONLY" "" "DEPS" ${ARGN})
  if(ARG_HEADER_ONLY)
    add_library(etchsim_${name} INTERFACE)
    set(scope INTERFACE)
  else()
    file(GLOB sources CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/src/${name}/*.cpp)
    add_library(etchsim_${name} STATIC ${sources})
    set(scope PUBLIC)
    list(APPEND ARG_DEPS fmt::fmt)
  endif()
  add_library(etchsim::${name} ALIAS etchsim_${name})
  set_target_properties(etchsim_${name} PROPERTIES EXPORT_NAME ${name})
  target_include_directories(etchsim_${name} ${scope} $<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}/include>
                                                      $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>)
  target_link_libraries(etchsim_${name} ${scope} ${ARG_DEPS})
  set_property(GLOBAL APPEND PROPERTY ETCHSIM_PARTS etchsim_${name})
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
