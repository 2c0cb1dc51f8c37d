// Line-by-line text of a generated Verilog module.
#pragma once

#include <string>
#include <string_view>

namespace etchsim::rtl {

class VerilogText {
 public:
  void line(std::string_view text) {
    m_text.append(text);
    m_text.push_back('\n');
  }
  const std::string& str() const { return m_text; }

 private:
  std::string m_text;
};

}  // namespace etchsim::rtl
