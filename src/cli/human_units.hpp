// Counts and sizes for people: "8.03 B", "4.52 GB" (decimal units, as model cards use).
#pragma once

#include <cstdint>
#include <string>

namespace etchsim::cli {

std::string human_count(uint64_t n);
std::string human_bytes(uint64_t n);

}  // namespace etchsim::cli
