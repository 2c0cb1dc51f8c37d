// Entry of the SystemC test binaries (docs/design.md "Testing"): SystemC's main() calls sc_main,
// which runs the tests; ctest runs each TEST in its own process, because SystemC allows one
// elaboration per process.
#include <gtest/gtest.h>

#include <systemc>

int sc_main(int argc, char* argv[]) {
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
