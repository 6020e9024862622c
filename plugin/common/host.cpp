#include "host.h"

#include <gegl.h>
#include <gtk/gtk.h>

#include <algorithm>
#include <memory>
#include <new>
#include <vector>

#include "i18n.h"
#include "messages.h"
#include "text_format.h"

namespace neural_style::plugin {
namespace {

// --- The GIMP 2 / GIMP 3 differences, mapped once -------------------------------------------

#if GIMP_CHECK_VERSION(2, 99, 0)
GimpItem* item(GimpDrawable* d) {
  return GIMP_ITEM(d);
}
GimpDrawable* drawable_of(GimpLayer* l) {
  return GIMP_DRAWABLE(l);
}
bool is_layer(GimpDrawable* d) {
  return GIMP_IS_LAYER(d);
}
template <typename T>
bool valid(T* object) {
  return object != nullptr;
}
void drawable_offsets(GimpDrawable* d, gint* x, gint* y) {
  gimp_drawable_get_offsets(d, x, y);
}
std::string last_pdb_error() {
  const gchar* e = gimp_pdb_get_last_error(gimp_get_pdb());
  return e ? e : "";
}
GimpImage* load_image(const std::string& path) {
  GFile* file = g_file_new_for_path(path.c_str());
  GimpImage* image = gimp_file_load(GIMP_RUN_NONINTERACTIVE, file);
  g_object_unref(file);
  return image;
}
GimpLayer* parent_of(GimpDrawable* d) {
  GimpItem* p = gimp_item_get_parent(item(d));
  return p ? GIMP_LAYER(p) : nullptr;
}
bool id_is_layer(int id) {
  return gimp_item_id_is_layer(id);
}
// The selection is a channel too (GimpSelection derives from GimpChannel).
bool id_is_image_channel(int id) {
  return gimp_item_id_is_channel(id) && !gimp_item_id_is_layer_mask(id);
}
GimpDrawable* drawable_by_id(int id) {
  return GIMP_DRAWABLE(gimp_item_get_by_id(id));
}
int image_id(GimpImage* image) {
  return image ? gimp_image_get_id(image) : -1;
}
GimpImage* image_of(GimpDrawable* d) {
  return gimp_item_get_image(item(d));
}
bool selection_is_empty(GimpImage* image) {
  return gimp_selection_is_empty(image);
}
GimpDrawable* selection_of(GimpImage* image) {
  return GIMP_DRAWABLE(gimp_image_get_selection(image));
}
GimpImage* new_image(int width, int height, GimpPrecision precision) {
  return gimp_image_new_with_precision(width, height, GIMP_RGB, precision);
}
GimpLayer* copy_layer(GimpDrawable* d, GimpImage* into) {
  return gimp_layer_new_from_drawable(d, into);
}
bool insert_top_level(GimpImage* image, GimpLayer* layer) {
  return gimp_image_insert_layer(image, layer, nullptr, 0);
}
void show_alone(GimpLayer* layer) {
  gimp_layer_set_opacity(layer, 100.0);
  gimp_layer_set_mode(layer, GIMP_LAYER_MODE_NORMAL);
  gimp_item_set_visible(GIMP_ITEM(layer), TRUE);
}
int drawable_width(GimpDrawable* d) {
  return gimp_drawable_get_width(d);
}
int drawable_height(GimpDrawable* d) {
  return gimp_drawable_get_height(d);
}
int image_width(GimpImage* image) {
  return gimp_image_get_width(image);
}
int image_height(GimpImage* image) {
  return gimp_image_get_height(image);
}
#else
gint32 item(gint32 d) {
  return d;
}
gint32 drawable_of(gint32 l) {
  return l;
}
bool is_layer(gint32 d) {
  return gimp_item_is_layer(d);
}
bool valid(gint32 id) {
  return id != -1;
}
void drawable_offsets(gint32 d, gint* x, gint* y) {
  gimp_drawable_offsets(d, x, y);
}
std::string last_pdb_error() {
  const gchar* e = gimp_get_pdb_error();
  // libgimp says "success" when a call failed without a message.
  return e && gimp_get_pdb_status() != GIMP_PDB_SUCCESS ? e : "";
}
gint32 load_image(const std::string& path) {
  return gimp_file_load(GIMP_RUN_NONINTERACTIVE, path.c_str(), path.c_str());
}
gint32 parent_of(gint32 d) {
  const gint32 p = gimp_item_get_parent(d);
  return p > 0 ? p : 0;  // 0 = top level for gimp_image_insert_layer
}
// gimp_item_is_*() on an ID that names nothing fails as a PDB call, so validity comes first.
bool id_is_layer(int id) {
  return id > 0 && gimp_item_is_valid(id) && gimp_item_is_layer(id);
}
// The selection is a channel too (GimpSelection derives from GimpChannel).
bool id_is_image_channel(int id) {
  return id > 0 && gimp_item_is_valid(id) && gimp_item_is_channel(id) &&
         !gimp_item_is_layer_mask(id);
}
gint32 drawable_by_id(int id) {
  return id;
}
int image_id(gint32 image) {
  return image;
}
gint32 image_of(gint32 d) {
  return gimp_item_get_image(d);
}
bool selection_is_empty(gint32 image) {
  return gimp_selection_is_empty(image);
}
gint32 selection_of(gint32 image) {
  return gimp_image_get_selection(image);
}
gint32 new_image(int width, int height, GimpPrecision precision) {
  return gimp_image_new_with_precision(width, height, GIMP_RGB, precision);
}
gint32 copy_layer(gint32 d, gint32 into) {
  return gimp_layer_new_from_drawable(d, into);
}
bool insert_top_level(gint32 image, gint32 layer) {
  return gimp_image_insert_layer(image, layer, 0, 0);
}
void show_alone(gint32 layer) {
  gimp_layer_set_opacity(layer, 100.0);
  gimp_layer_set_mode(layer, GIMP_LAYER_MODE_NORMAL);
  gimp_item_set_visible(layer, TRUE);
}
int drawable_width(gint32 d) {
  return gimp_drawable_width(d);
}
int drawable_height(gint32 d) {
  return gimp_drawable_height(d);
}
int image_width(gint32 image) {
  return gimp_image_width(image);
}
int image_height(gint32 image) {
  return gimp_image_height(image);
}
#endif

// --- Written once ------------------------------------------------------------------------------

std::string format_pdb_failure(const char* what, const std::string& detail) {
  return detail.empty() ? std::string(what) + "." : std::string(what) + ": " + detail;
}

struct GObjectUnref {
  void operator()(gpointer p) const { g_object_unref(p); }
};
using BufferPtr = std::unique_ptr<GeglBuffer, GObjectUnref>;

BufferPtr buffer_of(DrawableRef d) {
  return BufferPtr(gimp_drawable_get_buffer(d));
}

std::string item_name(DrawableRef d) {
  gchar* n = gimp_item_get_name(item(d));
  std::string out(n ? n : "");
  g_free(n);
  return out;
}

// Deletes a temporary image (the loaded style file) however the caller leaves.
class TemporaryImage {
 public:
  explicit TemporaryImage(ImageRef image) : image_(image) {}
  ~TemporaryImage() {
    if (valid(image_)) gimp_image_delete(image_);
  }
  TemporaryImage(const TemporaryImage&) = delete;
  TemporaryImage& operator=(const TemporaryImage&) = delete;
  ImageRef get() const { return image_; }

 private:
  ImageRef image_;
};

// The rows of `values` whose item IDs do not fit `image`, with the reason for the first.
struct ItemProblem {
  ParamId id = kParamCount;
  std::string message;
};

std::vector<ItemProblem> item_problems(ImageRef image, const Values& values) {
  std::vector<ItemProblem> problems;
  for (int slot = 0; slot < kStyleSlots; ++slot) {
    const int drawable = values.style_drawables[slot];
    if (drawable != kNoItem && !id_is_layer(drawable)) {
      const char* name = param_spec(kStyleDrawableIds[slot]).name;
      problems.push_back(
          {kStyleDrawableIds[slot],
           format(_("The argument %s (%d) is not a layer of an open image."), name, drawable)});
    }
    const int region = values.style_regions[slot];
    if (region == kNoItem || !slot_used(values, slot)) continue;
    const char* name = param_spec(kStyleRegionIds[slot]).name;
    if (!id_is_image_channel(region) ||
        image_id(image_of(drawable_by_id(region))) != image_id(image) ||
        drawable_width(drawable_by_id(region)) != image_width(image) ||
        drawable_height(drawable_by_id(region)) != image_height(image)) {
      problems.push_back(
          {kStyleRegionIds[slot],
           format(_("The argument %s (%d) is not a channel of the filtered image: give a saved "
                    "selection (a channel) of that image, its selection, or -1."),
                  name, region)});
    }
  }
  return problems;
}

// The babl format that reads a one-component drawable's values as stored, as float: a channel's
// value 128 of 255 reads as 128/255, whatever tone curve GIMP keeps it in.
const Babl* gray_float_format(DrawableRef d) {
  const Babl* model = babl_format_get_model(gimp_drawable_get_format(d));
  const std::string name = model ? babl_get_name(model) : "";
  if (name == "Y'" || name == "Y~" || name == "Y") return babl_format((name + " float").c_str());
  return babl_format("Y float");
}

// Reads the image-coordinate rectangle `area` of a channel as a Mask (0 outside the channel).
bool read_mask(DrawableRef channel, const Region& area, neural_style::Mask* out,
               std::string* error) {
  BufferPtr buffer = buffer_of(channel);
  const GeglRectangle rect = {area.x, area.y, area.width, area.height};
  out->width = area.width;
  out->height = area.height;
  try {
    out->values.assign(static_cast<std::size_t>(area.width) * static_cast<std::size_t>(area.height),
                       0.0f);
  } catch (const std::bad_alloc&) {
    *error = _("Not enough memory to read the layer. Try a smaller selection or Max size.");
    return false;
  }
  gegl_buffer_get(buffer.get(), &rect, 1.0, gray_float_format(channel), out->values.data(),
                  GEGL_AUTO_ROWSTRIDE, GEGL_ABYSS_NONE);
  return true;
}

}  // namespace

std::string item_name_of(int item_id) {
  if (item_id == kNoItem || !(id_is_layer(item_id) || id_is_image_channel(item_id))) return {};
  return item_name(drawable_by_id(item_id));
}

std::string check_items(ImageRef image, const Values& values) {
  const std::vector<ItemProblem> problems = item_problems(image, values);
  return problems.empty() ? std::string() : problems.front().message;
}

Values forget_stale_items(ImageRef image, Values values) {
  for (const ItemProblem& p : item_problems(image, values)) set_number(&values, p.id, kNoItem);
  return values;
}

bool read_style_drawable(int drawable_id, ImageRef content_image, neural_style::Image* out,
                         neural_style::Mask* source_mask, std::string* error) {
  const DrawableRef drawable = drawable_by_id(drawable_id);
  const std::string name = item_name(drawable);
  const ImageRef style_image = image_of(drawable);
  const int width = drawable_width(drawable);
  const int height = drawable_height(drawable);
  const int min_side = neural_style::limits().max_size_min;
  if (width < min_side || height < min_side) {
    *error = style_file_error(name, too_small_error(width, height));
    return false;
  }
  {
    // A copy in an image of its own, flattened as a loaded style file is: its transparent parts
    // on the background colour, its mask applied, at full opacity whatever the layer's own.
    TemporaryImage copy(new_image(width, height, gimp_image_get_precision(style_image)));
    if (!valid(copy.get())) {
      *error = style_file_error(name, last_pdb_error());
      return false;
    }
    const LayerRef layer = copy_layer(drawable, copy.get());
    if (!valid(layer) || !insert_top_level(copy.get(), layer)) {
      *error = style_file_error(name, last_pdb_error());
      return false;
    }
    gimp_layer_set_offsets(layer, 0, 0);
    show_alone(layer);
    const LayerRef flat = gimp_image_flatten(copy.get());
    if (!valid(flat)) {
      *error = style_file_error(name, last_pdb_error());
      return false;
    }
    BufferPtr buffer = buffer_of(drawable_of(flat));
    if (!read_rgb(buffer.get(), {0, 0, width, height}, out, error)) return false;
  }
  *source_mask = {};
  if (image_id(style_image) == image_id(content_image) || selection_is_empty(style_image))
    return true;
  gint x = 0, y = 0;
  drawable_offsets(drawable, &x, &y);
  if (!read_mask(selection_of(style_image), {x, y, width, height}, source_mask, error))
    return false;
  if (std::all_of(source_mask->values.begin(), source_mask->values.end(),
                  [](float v) { return v <= 0.0f; })) {
    *error = format(_("The selection in the image of the style layer \"%s\" does not touch that "
                      "layer, so there is no style to take. Select a part of the layer, or "
                      "select none."),
                    name.c_str());
    return false;
  }
  return true;
}

bool read_region(int channel_id, const Source& source, neural_style::Mask* out,
                 std::string* error) {
  gint x = 0, y = 0;
  drawable_offsets(source.drawable, &x, &y);
  const Region area = {source.region.x + x, source.region.y + y, source.region.width,
                       source.region.height};
  return read_mask(drawable_by_id(channel_id), area, out, error);
}

UndoGroup::UndoGroup(ImageRef image) : image_(image) {
  gimp_image_undo_group_start(image_);
}

UndoGroup::~UndoGroup() {
  gimp_image_undo_group_end(image_);
}

bool on_screen() {
  // GIMP names the display it runs on; gimp-console has none of its own, but a plug-in it starts
  // may still reach the one in its environment, as interactive runs do. One that cannot be
  // opened would make gimp_ui_init() abort, so it is tried first.
  const gchar* display = gimp_display_name();
  if (display && *display) return true;
  if (!g_getenv("DISPLAY") && !g_getenv("WAYLAND_DISPLAY")) return false;
  return gtk_init_check(nullptr, nullptr);
}

void remove_layer(ImageRef image, LayerRef layer) {
  gimp_image_remove_layer(image, layer);
}

SourceCheck inspect_source(ImageRef image, DrawableRef drawable, Source* source,
                           std::string* error) {
  if (!is_layer(drawable)) {
    *error =
        _("Neural style transfer works on layers. Select a layer (not a mask or channel) "
          "and try again.");
    return SourceCheck::NotALayer;
  }
  if (gimp_drawable_is_indexed(drawable)) {
    *error = indexed_image_error();
    return SourceCheck::Unusable;
  }
  gint x = 0, y = 0, w = 0, h = 0;
  if (!gimp_drawable_mask_intersect(drawable, &x, &y, &w, &h)) return SourceCheck::OutsideSelection;
  const int min_side = neural_style::limits().max_size_min;
  if (w < min_side || h < min_side) {
    *error = too_small_error(w, h);
    return SourceCheck::Unusable;
  }
  source->image = image;
  source->drawable = drawable;
  source->region = {x, y, w, h};
  source->has_selection = !gimp_selection_is_empty(image);
  source->gray = gimp_drawable_is_gray(drawable);
  source->name = item_name(drawable);
  return SourceCheck::Usable;
}

bool read_source(const Source& source, RgbaImage* pixels, std::string* error) {
  BufferPtr buffer = buffer_of(source.drawable);
  return read_rgba(buffer.get(), source.region, pixels, error);
}

bool load_style_image(const std::string& path, neural_style::Image* out, std::string* error) {
  if (path.empty() || !g_file_test(path.c_str(), G_FILE_TEST_IS_REGULAR)) {
    *error = style_file_error(path, path.empty() ? "" : _("no such file"));
    return false;
  }
  TemporaryImage image(load_image(path));
  if (!valid(image.get())) {
    *error = style_file_error(path, last_pdb_error());
    return false;
  }
  // Flattening composites every layer, as the user sees the file, and removes alpha.
  const LayerRef flat = gimp_image_flatten(image.get());
  if (!valid(flat)) {
    *error = style_file_error(path, last_pdb_error());
    return false;
  }
  BufferPtr buffer = buffer_of(drawable_of(flat));
  const GeglRectangle* extent = gegl_buffer_get_extent(buffer.get());
  const Region all = {extent->x, extent->y, extent->width, extent->height};
  const int min_side = neural_style::limits().max_size_min;
  if (all.width < min_side || all.height < min_side) {
    *error = style_file_error(path, too_small_error(all.width, all.height));
    return false;
  }
  return read_rgb(buffer.get(), all, out, error);
}

LayerRef add_result_layer(const Source& source, const RgbaImage& result, std::string* error) {
  BufferPtr source_buffer = buffer_of(source.drawable);
  const GeglRectangle* extent = gegl_buffer_get_extent(source_buffer.get());
  gint offset_x = 0, offset_y = 0;
  drawable_offsets(source.drawable, &offset_x, &offset_y);

  UndoGroup undo(source.image);
  const LayerRef layer = gimp_layer_new(
      source.image, result_layer_name(source.name).c_str(), extent->width, extent->height,
      source.gray ? GIMP_GRAYA_IMAGE : GIMP_RGBA_IMAGE, 100.0, GIMP_LAYER_MODE_NORMAL);
  if (!valid(layer)) {
    *error = format_pdb_failure(_("Could not create the result layer"), last_pdb_error());
    return kNoLayer;
  }
  // Inserting at the source's position puts the new layer directly above it, in the same group.
  if (!gimp_image_insert_layer(source.image, layer, parent_of(source.drawable),
                               gimp_image_get_item_position(source.image, item(source.drawable)))) {
    *error = format_pdb_failure(_("Could not add the result layer"), last_pdb_error());
    gimp_item_delete(item(drawable_of(layer)));
    return kNoLayer;
  }
  gimp_layer_set_offsets(layer, offset_x, offset_y);
  {
    BufferPtr target = buffer_of(drawable_of(layer));
    // The whole source first: outside the processed box the new layer equals the source, so
    // removing its mask later shows no hole.
    gegl_buffer_copy(source_buffer.get(), nullptr, GEGL_ABYSS_NONE, target.get(), nullptr);
    write_rgba(target.get(), source.region.x, source.region.y, result);
    gegl_buffer_flush(target.get());
  }
  gimp_drawable_update(drawable_of(layer), 0, 0, extent->width, extent->height);

  if (source.has_selection) {
    const auto mask = gimp_layer_create_mask(layer, GIMP_ADD_MASK_SELECTION);
    if (!valid(mask) || !gimp_layer_add_mask(layer, mask)) {
      *error = format_pdb_failure(_("Could not add the selection mask"), last_pdb_error());
      gimp_image_remove_layer(source.image, layer);
      return kNoLayer;
    }
  }
  return layer;
}

void show_progress(double fraction, const std::string& text) {
  gimp_progress_set_text(text.c_str());
  gimp_progress_update(fraction);
}

}  // namespace neural_style::plugin
