#include "ui/run_window.h"

#include <libgimp/gimp.h>
#include <libgimp/gimpui.h>

#include <algorithm>
#include <cmath>
#include <memory>

#include "common/host.h"
#include "common/i18n.h"
#include "common/messages.h"
#include "common/text_format.h"

namespace neural_style::plugin::ui {

struct RunWindow::Widgets {
  GtkWidget* dialog = nullptr;
  GtkWidget* bar = nullptr;
  GtkWidget* preview = nullptr;
  GtkWidget* preview_note = nullptr;
  bool cancelled = false;
};

namespace {

// Every response means Cancel: the button, and GTK_RESPONSE_DELETE_EVENT when the window is
// closed or Escape is pressed. The window stays until the run has stopped.
void on_response(GtkDialog* dialog, gint, gpointer cancelled) {
  *static_cast<bool*>(cancelled) = true;
  gtk_dialog_set_response_sensitive(dialog, GTK_RESPONSE_CANCEL, FALSE);
}

}  // namespace

// The engine's result may overshoot [0, 1] slightly.
PixbufPtr pixbuf_of(const neural_style::Image& image) {
  PixbufPtr pixbuf(gdk_pixbuf_new(GDK_COLORSPACE_RGB, FALSE, 8, image.width, image.height));
  if (!pixbuf) return pixbuf;
  guchar* pixels = gdk_pixbuf_get_pixels(pixbuf.get());
  const int stride = gdk_pixbuf_get_rowstride(pixbuf.get());
  for (int y = 0; y < image.height; ++y) {
    const float* in = image.rgb.data() + static_cast<std::size_t>(y) * image.width * 3;
    guchar* out = pixels + static_cast<std::size_t>(y) * stride;
    for (int i = 0; i < image.width * 3; ++i)
      out[i] = static_cast<guchar>(std::lround(std::clamp(in[i], 0.0f, 1.0f) * 255.0f));
  }
  return pixbuf;
}

RunWindow::RunWindow(const char* title) : w_(std::make_unique<Widgets>()) {
#if GTK_CHECK_VERSION(3, 0, 0)
  const char* cancel = _("_Cancel");  // GTK 3 has no stock items
#else
  const char* cancel = GTK_STOCK_CANCEL;
#endif
  w_->dialog = gimp_dialog_new(title, "gimp-neural-style-progress", nullptr, GtkDialogFlags(0),
                               nullptr, nullptr, cancel, GTK_RESPONSE_CANCEL, nullptr);
  GtkDialog* dialog = GTK_DIALOG(w_->dialog);
  gimp_window_set_transient(GTK_WINDOW(dialog));
  g_signal_connect(dialog, "response", G_CALLBACK(on_response), &w_->cancelled);
  gimp_help_set_help_data(gtk_dialog_get_widget_for_response(dialog, GTK_RESPONSE_CANCEL),
                          _("Stop the run. The image stays exactly as it was."), nullptr);

  w_->bar = gtk_progress_bar_new();
  GtkProgressBar* bar = GTK_PROGRESS_BAR(w_->bar);
#if GTK_CHECK_VERSION(3, 0, 0)
  gtk_progress_bar_set_show_text(bar, TRUE);  // GTK 2 shows any text that is set
#endif
  gtk_progress_bar_set_ellipsize(bar, PANGO_ELLIPSIZE_END);
  gtk_progress_bar_set_text(bar, _("Neural style: starting…"));
  gtk_widget_set_size_request(w_->bar, 480, -1);
  GtkWidget* content = gtk_dialog_get_content_area(dialog);
  gtk_container_set_border_width(GTK_CONTAINER(content), 12);
  gtk_box_pack_start(GTK_BOX(content), w_->bar, FALSE, FALSE, 0);

  // The preview keeps its place from the start, so the window does not jump when it arrives.
  w_->preview = gtk_image_new();
  gtk_widget_set_size_request(w_->preview, kPreviewWidth, kPreviewHeight);
  gimp_help_set_help_data(w_->preview,
                          _("The result so far, at the processing size. It is updated every "
                            "second or so while the run goes on."),
                          nullptr);
  gtk_box_pack_start(GTK_BOX(content), w_->preview, TRUE, TRUE, 6);
  w_->preview_note = gtk_label_new(_("The preview appears after the first steps."));
  gtk_box_pack_start(GTK_BOX(content), w_->preview_note, FALSE, FALSE, 0);
  gtk_widget_show_all(w_->dialog);
}

void RunWindow::show_preview(const neural_style::Image& image) {
  if (image.empty() || image.rgb.size() != image.pixel_count() * 3) return;
  PixbufPtr full = pixbuf_of(image);
  if (!full) return;
  const double scale = std::min(static_cast<double>(kPreviewWidth) / image.width,
                                static_cast<double>(kPreviewHeight) / image.height);
  const int w = std::max(1, static_cast<int>(std::lround(image.width * scale)));
  const int h = std::max(1, static_cast<int>(std::lround(image.height * scale)));
  PixbufPtr scaled(gdk_pixbuf_scale_simple(full.get(), w, h, GDK_INTERP_BILINEAR));
  if (!scaled) return;
  gtk_image_set_from_pixbuf(GTK_IMAGE(w_->preview), scaled.get());
  gtk_label_set_text(
      GTK_LABEL(w_->preview_note),
      format(_("Preview of the current result (%d × %d px)"), image.width, image.height).c_str());
}

RunWindow::~RunWindow() {
  gtk_widget_destroy(w_->dialog);
}

void RunWindow::update(double fraction, const std::string& text) {
  gtk_progress_bar_set_fraction(GTK_PROGRESS_BAR(w_->bar), fraction);
  gtk_progress_bar_set_text(GTK_PROGRESS_BAR(w_->bar),
                            w_->cancelled ? _("Cancelling…") : text.c_str());
}

bool RunWindow::cancel_requested() const {
  return w_->cancelled;
}

void RunWindow::pump() {
  while (gtk_events_pending()) gtk_main_iteration_do(FALSE);
  g_usleep(30 * 1000);
}

MainThreadHooks progress_hooks(RunWindow* window) {
  MainThreadHooks hooks;
  hooks.on_progress = [window](const neural_style::Progress& p) {
    const double fraction = progress_fraction(p);
    const std::string text = progress_text(p);
    show_progress(fraction, text);
    if (window) window->update(fraction, text);
  };
  if (window) {
    hooks.on_preview = [window](const neural_style::Image& image) { window->show_preview(image); };
    hooks.cancel_requested = [window] { return window->cancel_requested(); };
    hooks.pump_events = [window] { window->pump(); };
  }
  return hooks;
}

namespace {

class RunWindowDisplay final : public ProgressDisplay {
 public:
  explicit RunWindowDisplay(const char* title)
      : window_(title ? std::make_unique<RunWindow>(title) : nullptr) {}
  MainThreadHooks hooks() override { return progress_hooks(window_.get()); }

 private:
  std::unique_ptr<RunWindow> window_;
};

}  // namespace

std::unique_ptr<ProgressDisplay> open_progress_display(const char* title) {
  return std::make_unique<RunWindowDisplay>(title);
}

}  // namespace neural_style::plugin::ui
