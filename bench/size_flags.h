// main() for the benchmark programs whose store sizes are flags (--store_spans=N,
// --traces=N, ...): ours are taken out first, as Google Benchmark refuses flags it does
// not know, and the rest go to it.
#pragma once

#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstddef>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tracechat::bench {

struct SizeFlag {
  std::string_view name;  // "--traces="
  std::size_t* value;
  std::size_t at_least = 0;
};

inline int run_benchmarks(int argc, char** argv, std::initializer_list<SizeFlag> flags) {
  std::vector<char*> args;
  for (int i = 0; i < argc; ++i) {
    const std::string_view arg = argv[i];
    bool ours = false;
    for (const SizeFlag& flag : flags) {
      if (!arg.starts_with(flag.name)) continue;
      *flag.value = std::max<std::size_t>(std::stoull(std::string(arg.substr(flag.name.size()))), flag.at_least);
      ours = true;
    }
    if (!ours) args.push_back(argv[i]);
  }
  int count = static_cast<int>(args.size());
  benchmark::Initialize(&count, args.data());
  if (benchmark::ReportUnrecognizedArguments(count, args.data())) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}

}  // namespace tracechat::bench
