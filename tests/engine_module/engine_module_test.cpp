// Which engine module the plug-ins load (EngineModule::load_default, as both adapters call it):
// a module the user built into their engine folder comes before the one installed beside the
// plug-in, and one built for another ABI is refused with a message that says what to do.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>

#include "neural_style/engine_module.h"
#include "temp_dir.h"

namespace ns = neural_style;
namespace fs = std::filesystem;

namespace {

using test_files::TempDir;

std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

// A user's engine folder holding `module` under the name the loader looks for.
void install_user_engine(const TempDir& home, const std::string& module) {
  const fs::path dir = fs::path(home.path()) / "neural-style" / "engine";
  fs::create_directories(dir);
  fs::copy_file(module, dir / ns::kEngineModuleName, fs::copy_options::overwrite_existing);
  setenv("XDG_DATA_HOME", home.path().c_str(), 1);
  unsetenv("NEURAL_STYLE_ENGINE");
}

}  // namespace

// Refusals first: the wrong modules hold no LibTorch, the accepted one below loads it.
TEST(EngineModule, AUserEngineForAnotherAbiIsRefusedWithAMessage) {
  TempDir home;
  install_user_engine(home, env("NEURAL_STYLE_WRONG_ABI_MODULE"));
  std::string error;
  EXPECT_EQ(ns::EngineModule::load_default(&error), nullptr);
  EXPECT_NE(error.find(home.path() + "/neural-style/engine/libneural-style-engine.so"),
            std::string::npos)
      << error;
  EXPECT_NE(error.find("was built for ABI 999"), std::string::npos) << error;
  EXPECT_NE(error.find("this plug-in needs ABI " + std::to_string(ns::kEngineAbiVersion)),
            std::string::npos)
      << error;
  EXPECT_NE(error.find("tools/build-engine-module.sh"), std::string::npos) << error;
  EXPECT_EQ(error.find('\n'), std::string::npos) << "one line";
}

TEST(EngineModule, AUserEngineWithoutTheAbiFunctionIsRefused) {
  TempDir home;
  install_user_engine(home, env("NEURAL_STYLE_NO_ABI_MODULE"));
  std::string error;
  EXPECT_EQ(ns::EngineModule::load_default(&error), nullptr);
  EXPECT_NE(error.find("was built for an older plug-in"), std::string::npos) << error;
}

TEST(EngineModule, TheUsersEngineComesBeforeTheInstalledOne) {
  TempDir home;
  install_user_engine(home, env("NEURAL_STYLE_SECOND_ENGINE_MODULE"));
  const std::vector<std::string> candidates = ns::engine_module_candidates();
  ASSERT_GE(candidates.size(), 2u);
  EXPECT_EQ(candidates.front(), home.path() + "/neural-style/engine/libneural-style-engine.so");
  std::string error;
  const std::unique_ptr<ns::EngineModule> engine = ns::EngineModule::load_default(&error);
  ASSERT_NE(engine, nullptr) << error;
  EXPECT_TRUE(engine->user_built());
  EXPECT_EQ(engine->path(), candidates.front());
  // The second build says so in its version: it is that build's code that runs.
  EXPECT_NE(engine->api().version_string().find("second build for the loader test"),
            std::string::npos)
      << engine->api().version_string();
}

TEST(EngineModule, NeuralStyleEngineComesFirstAndAMissingEngineIsNamed) {
  TempDir home;
  setenv("XDG_DATA_HOME", home.path().c_str(), 1);
  setenv("NEURAL_STYLE_ENGINE", (home.path() + "/nowhere.so").c_str(), 1);
  EXPECT_EQ(ns::engine_module_candidates().front(), home.path() + "/nowhere.so");
  // A module named explicitly is not passed over when it is missing: the error names it.
  std::string error;
  EXPECT_EQ(ns::EngineModule::load_default(&error), nullptr);
  EXPECT_NE(error.find(home.path() + "/nowhere.so"), std::string::npos) << error;
  unsetenv("NEURAL_STYLE_ENGINE");
  // Nothing in the user folder and none beside this test program: the packaged engine's
  // absence is what the error names.
  error.clear();
  EXPECT_EQ(ns::EngineModule::load_default(&error), nullptr);
  EXPECT_NE(error.find("cannot load the style-transfer engine"), std::string::npos) << error;
  EXPECT_NE(error.find(ns::kEngineModuleName), std::string::npos) << error;
}
