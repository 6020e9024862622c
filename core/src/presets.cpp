// Presets: named bundles of individual values. Torch-free: the dialogs list them.
#include "neural_style/neural_style.h"
#include "neural_style/vocabulary.h"

namespace neural_style {

const std::vector<Preset>& presets() {
  // Labels and descriptions are English source strings; the plug-ins mark and translate them.
  static const std::vector<Preset> list = {
      {"fast-preview", "Fast preview",
       "Small (256 px), 60 steps at each of 2 scales: a quick look at the style before a full "
       "run"},
      {"balanced", "Balanced", "The defaults: 512 px, Adam, 150 steps at each of 2 scales"},
      {"high-quality", "High quality",
       "Full size, L-BFGS, 400 steps at each of 3 scales: slow, for the final picture"},
      {"seed-recipe", "Seed recipe",
       "The seed's recipe: Adam at lr 0.03, raw weights α 10 and β 40, content relu5_4, style "
       "relu1_1 ... relu5_1 at 0.2 each, no smoothness term"},
  };
  return list;
}

bool apply_preset(const std::string& name, Params* p) {
  if (!is_preset_name(name)) return false;
  // Every preset starts from the defaults for the values it is about, so that applying one
  // after another gives the same result as applying it alone; values no preset is about
  // (files, device, threads, seed, style controls) are left as the user set them.
  const Params d = default_params();
  p->normalize_weights = d.normalize_weights;
  p->content_weight = d.content_weight;
  p->style_weight = d.style_weight;
  p->tv_weight = d.tv_weight;
  p->iterations = d.iterations;
  p->optimizer = d.optimizer;
  p->learning_rate = d.learning_rate;
  p->layer_set = d.layer_set;
  p->content_layer = d.content_layer;
  p->style_layers = d.style_layers;
  p->max_size = d.max_size;
  p->scales = d.scales;

  if (name == "fast-preview") {
    p->max_size = 256;
    p->iterations = 60;
    p->scales = 2;
  } else if (name == "high-quality") {
    p->optimizer = Optimizer::LBFGS;
    p->iterations = 400;
    p->scales = 3;
    p->max_size = 0;  // the layer's own size; the memory budget still caps it
  } else if (name == "seed-recipe") {
    p->optimizer = Optimizer::Adam;
    p->learning_rate = 0.03;
    p->normalize_weights = false;
    p->content_weight = 10.0;
    p->style_weight = 40.0;
    p->tv_weight = 0.0;  // Gatys et al.'s objective has no smoothness term
    p->layer_set = LayerSet::Custom;
    p->content_layer = "relu5_4";
    p->style_layers = {
        {"relu1_1", 0.2}, {"relu2_1", 0.2}, {"relu3_1", 0.2}, {"relu4_1", 0.2}, {"relu5_1", 0.2}};
  }
  return true;
}

}  // namespace neural_style
