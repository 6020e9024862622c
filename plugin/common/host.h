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
#include "parameters.h"
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

// Checks the item rows of `values` against the filtered image: each style drawable a layer of an
// open image, each region of a used slot a channel of `image` (saved selection or the selection
// itself) of the image's size. "" when they fit, else one translated message naming the argument.
std::string check_items(ImageRef image, const Values& values);

// `values` with the item IDs check_items() would refuse set to kNoItem: last values may name
// layers and channels that are gone, or belong to another image, and an interactive run or a
// Repeat should then simply not use them.
Values forget_stale_items(ImageRef image, Values values);

// The style of a slot whose drawable is a layer (checked by check_items()): its pixels as GIMP
// shows them alone (a copy flattened in a new image, as a style file is), and, when the layer is
// in another image than `content_image` and that image has a selection, the selection over the
// layer's extent as *source_mask (left empty otherwise). The content image's selection says what
// to filter, so it is never also a style's source mask.
bool read_style_drawable(int drawable_id, ImageRef content_image, neural_style::Image* out,
                         neural_style::Mask* source_mask, std::string* error);

// A region channel of the source's image (checked by check_items()) over the source region: the
// channel's values as stored (its own tone curve), 0 outside the image.
bool read_region(int channel_id, const Source& source, neural_style::Mask* out, std::string* error);

// The item's name, for messages and dialogs ("" when it is gone).
std::string item_name_of(int item_id);

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
