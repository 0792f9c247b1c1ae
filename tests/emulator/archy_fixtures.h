// What the Archy tests share: the files under tests/emulator/archy/, the kit's flow as
// `tracechat kit` writes it (its golden file, so these tests run exactly what users
// deploy), and the substitutions the kit's genesyscloud_flow resource fills it with.
#pragma once

#include <fstream>
#include <map>
#include <sstream>
#include <string>

namespace tracechat::testing::archy {

inline std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

inline std::string fixture(const std::string& name) {
  return read_text(std::string(TRACECHAT_ARCHY_FIXTURES) + "/" + name);
}

inline std::string kit_flow() { return read_text(TRACECHAT_KIT_FLOW); }

inline const std::map<std::string, std::string> kSubstitutions{{"flow_name", "tracechat traced flow"},
                                                               {"data_action_category", "Tracing"},
                                                               {"data_action_name", "Traced request"},
                                                               {"queue_name", "Support"}};

}  // namespace tracechat::testing::archy
