// trace::make_in_order: parts made on several threads reach hand_on in order, each once, with the
// same bytes whatever the number of threads; a failure in a part or in hand_on stops the work and
// reaches the caller.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "etchsim/trace/in_order.hpp"

namespace etchsim::trace {
namespace {

// Part i's text: i repeated, its length varying so that threads finish out of order.
std::string text_of(size_t part) {
  return std::string(1 + (part * 7919) % 97, static_cast<char>('a' + part % 26));
}

std::string made_with(size_t parts, unsigned threads, std::vector<size_t>* order = nullptr) {
  std::string out;
  InOrder<std::string> job;
  job.parts = parts;
  job.threads = threads;
  job.new_buffer = [] { return std::string(); };
  job.hand_on = [&](size_t part, std::string& text) {
    if (order != nullptr) order->push_back(part);
    out += text;
  };
  make_in_order(job, [] {
    return [](size_t part, std::string& text) {
      // Later parts are quicker: they finish before earlier ones on other threads.
      if (part % 3 == 0) std::this_thread::sleep_for(std::chrono::microseconds(200));
      text = text_of(part);
    };
  });
  return out;
}

TEST(InOrder, HandsEveryPartOnOnceInOrderWhateverTheThreads) {
  std::string expected;
  for (size_t i = 0; i < 200; ++i) expected += text_of(i);
  for (unsigned threads : {1u, 2u, 3u, 8u}) {
    std::vector<size_t> order;
    EXPECT_EQ(made_with(200, threads, &order), expected) << threads << " threads";
    ASSERT_EQ(order.size(), 200u);
    for (size_t i = 0; i < order.size(); ++i) EXPECT_EQ(order[i], i);
  }
}

TEST(InOrder, NoPartsCallsNothing) {
  bool called = false;
  InOrder<std::string> job;
  job.threads = 4;
  job.new_buffer = [] { return std::string(); };
  job.hand_on = [&](size_t, std::string&) { called = true; };
  make_in_order(job, [&] {
    called = true;
    return [](size_t, std::string&) {};
  });
  EXPECT_FALSE(called);
}

TEST(InOrder, AFailingPartStopsTheWorkAndReachesTheCaller) {
  for (unsigned threads : {1u, 3u}) {
    std::atomic<size_t> made{0};
    std::vector<size_t> handed;
    InOrder<std::string> job;
    job.parts = 1000;
    job.threads = threads;
    job.new_buffer = [] { return std::string(); };
    job.hand_on = [&](size_t part, std::string&) { handed.push_back(part); };
    EXPECT_THROW(make_in_order(job,
                               [&] {
                                 return [&](size_t part, std::string&) {
                                   if (part == 10) throw std::runtime_error("part 10");
                                   ++made;
                                 };
                               }),
                 std::runtime_error);
    // Nothing at or after the failed part is handed on, and the others stop soon after.
    for (size_t p : handed) EXPECT_LT(p, 10u);
    EXPECT_LT(made.load(), 10u + 2 * threads + 2) << threads << " threads";
  }
}

TEST(InOrder, AFailingHandOnReachesTheCaller) {
  InOrder<std::string> job;
  job.parts = 50;
  job.threads = 2;
  job.new_buffer = [] { return std::string(); };
  job.hand_on = [](size_t part, std::string&) {
    if (part == 5) throw std::runtime_error("disk full");
  };
  EXPECT_THROW(make_in_order(job, [] { return [](size_t, std::string&) {}; }), std::runtime_error);
}

}  // namespace
}  // namespace etchsim::trace
