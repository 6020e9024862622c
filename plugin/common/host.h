// The plug-in's boundary with GIMP: the few operations whose libgimp calls differ between
// GIMP 2.10 (integer IDs) and GIMP 3 (objects). The handle types are mapped once here, so the
// adapters and the rest of plugin/common are written once; host.cpp keeps #if only where the
// two APIs truly differ.
//
// Every function here calls libgimp and must run on the plug-in's main thread.
#pragma once

#include <libgimp/gimp.h>

#include <string>

#include "neural_style/neural_style.h"
#include "pixels.h"

namespace neural_style::plugin {

#if GIMP_CHECK_VERSION(2, 99, 0)
using ImageRef = GimpImage*;
using DrawableRef = GimpDrawable*;
using LayerRef = GimpLayer*;
inline constexpr LayerRef kNoLayer = nullptr;
#else
using ImageRef = gint32;
using DrawableRef = gint32;
using LayerRef = gint32;
inline constexpr LayerRef kNoLayer = -1;
#endif

// What a run reads from, decided before anything expensive happens.
struct Source {
  ImageRef image{};
  DrawableRef drawable{};
  Region region;               // the selection's bounding box within the drawable, or all of it
  bool has_selection = false;  // the new layer then gets the selection as its mask
  bool gray = false;
  std::string name;
};

// Whether a drawable can be filtered, in the terms GIMP's own filters answer in.
enum class SourceCheck {
  Usable,            // *source is filled
  OutsideSelection,  // the selection misses it: nothing to do, and no error
  NotALayer,         // a mask or a channel: the caller's error (*error says so)
  Unusable,          // indexed, or smaller than the network accepts (*error says so)
};

// Checks that `drawable` can be filtered (a layer of an RGB or gray image, not indexed, a
// selection that touches it, large enough) and fills *source; otherwise a translated *error.
SourceCheck inspect_source(ImageRef image, DrawableRef drawable, Source* source,
                           std::string* error);

// The source region as float RGBA.
bool read_source(const Source& source, RgbaImage* pixels, std::string* error);

// Loads any file GIMP can open, flattened, as float RGB. GIMP's own loaders are used so that
// every format and bit depth GIMP supports works as a style image.
bool load_style_image(const std::string& path, neural_style::Image* out, std::string* error);

// Adds the result as a new layer "<source> (neural style)" directly above the source: same
// size and offsets, source pixels outside the processed region, `result` inside it, masked by
// the selection when there is one. Everything happens in one undo group, and the layer is removed
// again if any step fails, so the image is never left with a half-written layer.
LayerRef add_result_layer(const Source& source, const RgbaImage& result, std::string* error);

// One undo step for everything done to `image` while it lives; groups nest, so a run that adds
// several layers (each in a group of its own) is still undone in one step.
class UndoGroup {
 public:
  explicit UndoGroup(ImageRef image);
  ~UndoGroup();
  UndoGroup(const UndoGroup&) = delete;
  UndoGroup& operator=(const UndoGroup&) = delete;

 private:
  ImageRef image_;
};

void remove_layer(ImageRef image, LayerRef layer);

// Whether GIMP runs on a screen the plug-in may open windows on. Filters › Repeat runs with the
// last values, without a dialog, but someone is watching; a script in batch mode has no screen.
bool on_screen();

// Shows `text` in GIMP's progress bar (and initialises it on first use).
void show_progress(double fraction, const std::string& text);

}  // namespace neural_style::plugin
