#include "weights.h"

#include <glib.h>

#include "i18n.h"
#include "text_format.h"

namespace neural_style::plugin {

WeightsStatus weights_status(const std::string& weights_file) {
  WeightsStatus st;
  st.path = resolve_weights_file(weights_file);
  if (weights_file == "random") {
    st.random = true;
    st.text = _("The random test network was asked for (weights file \"random\"): results are "
                "not those of a trained network.");
    return st;
  }
  if (st.path.empty()) {
    st.random = true;
    st.text =
        _("No pretrained VGG-19 weights found: results use a random network. Install "
          "them with: neural-style models fetch vgg19");
    return st;
  }
  if (!g_file_test(st.path.c_str(), G_FILE_TEST_IS_REGULAR)) {
    st.text = format(_("The weights file %s does not exist."), st.path.c_str());
    return st;
  }
  st.usable = true;
  if (is_bundled_model(st.path)) {
    st.bundled = true;
    st.text =
        _("Using the bundled ImageNet VGG-19 layers conv1–conv3 with the shallow layer set. For "
          "the full network (style at larger scales), download the VGG-19 weights: "
          "neural-style models fetch vgg19");
    return st;
  }
  st.text = weights_file.empty()
                ? format(_("Using pretrained VGG-19 weights found at %s."), st.path.c_str())
                : format(_("Using pretrained VGG-19 weights from %s."), st.path.c_str());
  return st;
}

}  // namespace neural_style::plugin
