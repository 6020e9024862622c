#include "host.h"

#include <gegl.h>
#include <gtk/gtk.h>

#include <memory>

#include "i18n.h"
#include "messages.h"

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

}  // namespace

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
