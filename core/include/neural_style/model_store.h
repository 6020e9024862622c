// Where pretrained weights are looked for when none is named. Torch-free, so that the plug-in's
// dialog can show the result without loading the engine.
#pragma once

#include <string>
#include <vector>

namespace neural_style {

// The folders searched, in order: $NEURAL_STYLE_MODELS, $XDG_DATA_HOME/neural-style/models
// (XDG_DATA_HOME defaulting to ~/.local/share), then <datadir>/gimp-neural-style/models.
std::vector<std::string> model_search_dirs();

// The first file named vgg19*.safetensors, else vgg19*.pth, in model_search_dirs() (sorted by
// name within a folder, so the choice does not depend on the file system), or "" when there is
// none.
std::string find_default_weights();

// `weights_file` when not empty, else find_default_weights(); "" means the random network.
std::string resolve_weights_file(const std::string& weights_file);

}  // namespace neural_style
