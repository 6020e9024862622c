// What creating an engine fixes, torch-free: the plug-ins compare it to decide whether the engine
// they hold can paint the next job or must be created again.
#include "neural_style/neural_style.h"

namespace neural_style {

bool EngineConfig::operator==(const EngineConfig& other) const {
  // The width divisor shapes only the random network.
  return weights_file == other.weights_file && input_convention == other.input_convention &&
         device == other.device &&
         (!weights_file.empty() || random_width_divisor == other.random_width_divisor);
}

EngineConfig engine_config(const Params& params) {
  EngineConfig config;
  config.weights_file = params.weights_file;
  config.input_convention = params.input_convention;
  config.device = params.device;
  config.random_width_divisor = params.random_width_divisor;
  return config;
}

}  // namespace neural_style
