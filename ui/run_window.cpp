#include "ui/run_window.h"

#include <libgimp/gimp.h>
#include <libgimp/gimpui.h>

#include "common/host.h"
#include "common/i18n.h"
#include "common/messages.h"

namespace neural_style::plugin::ui {

struct RunWindow::Widgets {
  GtkWidget* dialog = nullptr;
  GtkWidget* bar = nullptr;
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
  gtk_widget_show_all(w_->dialog);
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
    hooks.cancel_requested = [window] { return window->cancel_requested(); };
    hooks.pump_events = [window] { window->pump(); };
  }
  return hooks;
}

}  // namespace neural_style::plugin::ui
