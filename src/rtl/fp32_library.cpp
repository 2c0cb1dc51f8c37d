#include <string>

#include "etchsim/embedded_fp32.hpp"
#include "etchsim/rtl/matvec_rtl.hpp"

namespace etchsim::rtl {

const std::string& fp32_library_text() {
  static const std::string text(kFp32LibraryV);
  return text;
}

}  // namespace etchsim::rtl
