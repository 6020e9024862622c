#include "neural_style/vgg19_layout.h"

namespace neural_style {

const std::vector<ConvSpec>& vgg19_convs() {
  static const std::vector<ConvSpec> convs = {
      {0, 3, 64, 1, "relu1_1"},     {2, 64, 64, 1, "relu1_2"},    {5, 64, 128, 2, "relu2_1"},
      {7, 128, 128, 2, "relu2_2"},  {10, 128, 256, 3, "relu3_1"}, {12, 256, 256, 3, "relu3_2"},
      {14, 256, 256, 3, "relu3_3"}, {16, 256, 256, 3, "relu3_4"}, {19, 256, 512, 4, "relu4_1"},
      {21, 512, 512, 4, "relu4_2"}, {23, 512, 512, 4, "relu4_3"}, {25, 512, 512, 4, "relu4_4"},
      {28, 512, 512, 5, "relu5_1"}, {30, 512, 512, 5, "relu5_2"}, {32, 512, 512, 5, "relu5_3"},
      {34, 512, 512, 5, "relu5_4"},
  };
  return convs;
}

int tap_index(const std::string& name) {
  const auto& convs = vgg19_convs();
  for (std::size_t i = 0; i < convs.size(); ++i)
    if (name == convs[i].tap) return static_cast<int>(i);
  return -1;
}

std::string conv_tensor_name(const ConvSpec& conv, const char* part) {
  return "features." + std::to_string(conv.feature_index) + "." + part;
}

}  // namespace neural_style
