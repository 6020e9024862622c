#include "ui/download_window.h"

#include <libgimp/gimp.h>
#include <libgimp/gimpui.h>

#include <algorithm>
#include <atomic>
#include <memory>
#include <mutex>
#include <thread>

#include "common/i18n.h"
#include "common/messages.h"
#include "common/text_format.h"

namespace neural_style::plugin::ui {

namespace {

// What the worker thread reports and the main loop shows. Owned jointly, so that neither side
// depends on the other's lifetime.
struct Shared {
  std::mutex mutex;
  std::uint64_t bytes = 0;
  std::uint64_t total = 0;
  FetchStage stage = FetchStage::Downloading;
  bool done = false;
  Status status;
  FetchResult result;
  std::atomic<bool> cancel{false};
};

struct LoopUnref {
  void operator()(GMainLoop* loop) const { g_main_loop_unref(loop); }
};

struct Window {
  GtkWidget* dialog = nullptr;
  GtkWidget* bar = nullptr;
  std::unique_ptr<GMainLoop, LoopUnref> loop;
  std::shared_ptr<Shared> shared;
  guint tick = 0;
  bool cancelling = false;
};

void request_cancel(Window* w) {
  w->shared->cancel.store(true);
  w->cancelling = true;
  gtk_dialog_set_response_sensitive(GTK_DIALOG(w->dialog), GTK_RESPONSE_CANCEL, FALSE);
}

// Every response means Cancel; the window stays until the worker has stopped.
void on_response(GtkDialog*, gint, gpointer data) {
  request_cancel(static_cast<Window*>(data));
}

gboolean on_delete(GtkWidget*, GdkEvent*, gpointer data) {
  request_cancel(static_cast<Window*>(data));
  return TRUE;
}

// Polls the worker's state: the main loop is the only thread that touches widgets.
gboolean on_tick(gpointer data) {
  auto* w = static_cast<Window*>(data);
  std::uint64_t bytes, total;
  FetchStage stage;
  {
    std::lock_guard<std::mutex> lock(w->shared->mutex);
    if (w->shared->done) {
      w->tick = 0;
      g_main_loop_quit(w->loop.get());
      return FALSE;
    }
    bytes = w->shared->bytes;
    total = w->shared->total;
    stage = w->shared->stage;
  }
  GtkProgressBar* bar = GTK_PROGRESS_BAR(w->bar);
  std::string text;
  if (stage == FetchStage::Downloading && bytes > 0) {
    text = download_progress_text(static_cast<double>(bytes), static_cast<double>(total));
    if (total > 0)
      gtk_progress_bar_set_fraction(bar, std::min(1.0, static_cast<double>(bytes) / total));
    else
      gtk_progress_bar_pulse(bar);
  } else {
    text = download_stage_text(stage);
    gtk_progress_bar_pulse(bar);
  }
  gtk_progress_bar_set_text(bar, w->cancelling ? _("Cancelling…") : text.c_str());
  return TRUE;
}

// The host part of the URL, for telling the user where the file comes from.
std::string host_of(const std::string& url) {
  const std::size_t start = url.find("://");
  const std::size_t from = start == std::string::npos ? 0 : start + 3;
  return url.substr(from, url.find('/', from) - from);
}

}  // namespace

DownloadOutcome run_download_window(GtkWidget* parent, const FetchRequest& request) {
  const KnownModel* known = find_known_model(request.name);
  const std::string url = !request.url.empty() ? request.url : known ? known->url : "";
  const std::string dest = request.dest_dir.empty() ? user_models_dir() : request.dest_dir;

  Window w;
  w.shared = std::make_shared<Shared>();
  w.loop.reset(g_main_loop_new(nullptr, FALSE));
#if GTK_CHECK_VERSION(3, 0, 0)
  const char* cancel = _("_Cancel");  // GTK 3 has no stock items
#else
  const char* cancel = GTK_STOCK_CANCEL;
#endif
  w.dialog =
      gimp_dialog_new(_("Download VGG-19 weights"), "gimp-neural-style-download", parent,
                      GTK_DIALOG_MODAL, nullptr, nullptr, cancel, GTK_RESPONSE_CANCEL, nullptr);
  GtkDialog* dialog = GTK_DIALOG(w.dialog);
  if (!parent) gimp_window_set_transient(GTK_WINDOW(dialog));
  gtk_window_set_modal(GTK_WINDOW(dialog), TRUE);
  g_signal_connect(dialog, "response", G_CALLBACK(on_response), &w);
  g_signal_connect(dialog, "delete-event", G_CALLBACK(on_delete), &w);
  gimp_help_set_help_data(gtk_dialog_get_widget_for_response(dialog, GTK_RESPONSE_CANCEL),
                          _("Stop the download. The part already received is kept, and the "
                            "next download continues from there."),
                          nullptr);

  GtkWidget* content = gtk_dialog_get_content_area(dialog);
  gtk_container_set_border_width(GTK_CONTAINER(content), 12);
  gtk_box_set_spacing(GTK_BOX(content), 8);
  const bool official = known && url == known->url;
  const std::string intro =
      official ? format(_("The ImageNet-trained VGG-19 (about 575 MB) is downloaded from %s, its "
                          "checksum is checked, and its convolutional layers (80 MB) are "
                          "installed in %s."),
                        host_of(url).c_str(), dest.c_str())
               : format(_("The VGG-19 weights are downloaded from %s, their checksum is "
                          "checked, and their convolutional layers are installed in %s."),
                        host_of(url).c_str(), dest.c_str());
  GtkWidget* label = gtk_label_new(intro.c_str());
  gtk_label_set_line_wrap(GTK_LABEL(label), TRUE);
  gtk_widget_set_size_request(label, 480, -1);
  gtk_box_pack_start(GTK_BOX(content), label, FALSE, FALSE, 0);
  w.bar = gtk_progress_bar_new();
#if GTK_CHECK_VERSION(3, 0, 0)
  gtk_progress_bar_set_show_text(GTK_PROGRESS_BAR(w.bar), TRUE);  // GTK 2 shows any text set
#endif
  gtk_progress_bar_set_ellipsize(GTK_PROGRESS_BAR(w.bar), PANGO_ELLIPSIZE_END);
  gtk_progress_bar_set_text(GTK_PROGRESS_BAR(w.bar),
                            download_stage_text(FetchStage::Downloading).c_str());
  gtk_box_pack_start(GTK_BOX(content), w.bar, FALSE, FALSE, 0);
  gtk_widget_show_all(w.dialog);

  std::shared_ptr<Shared> shared = w.shared;
  std::thread worker([shared, request] {
    FetchCallbacks callbacks;
    callbacks.progress = [&shared](std::uint64_t bytes, std::uint64_t total) {
      std::lock_guard<std::mutex> lock(shared->mutex);
      shared->bytes = bytes;
      shared->total = total;
    };
    callbacks.on_stage = [&shared](FetchStage stage) {
      std::lock_guard<std::mutex> lock(shared->mutex);
      shared->stage = stage;
    };
    callbacks.should_cancel = [&shared] { return shared->cancel.load(); };
    FetchResult result;
    const Status status = fetch_model(request, callbacks, &result);
    std::lock_guard<std::mutex> lock(shared->mutex);
    shared->status = status;
    shared->result = std::move(result);
    shared->done = true;
  });
  w.tick = g_timeout_add(100, on_tick, &w);
  g_main_loop_run(w.loop.get());
  worker.join();
  if (w.tick) g_source_remove(w.tick);
  gtk_widget_destroy(w.dialog);

  DownloadOutcome outcome;
  const Status& status = shared->status;
  if (status.ok()) {
    outcome.ok = true;
    outcome.path = shared->result.installed_path;
    outcome.message = download_done_text(outcome.path);
  } else if (status.code == Status::Code::Cancelled) {
    outcome.cancelled = true;
    outcome.message = _("The download was cancelled. The next one continues where it stopped.");
  } else {
    outcome.message = download_error_message(status.message);
  }
  return outcome;
}

}  // namespace neural_style::plugin::ui
