#include "runner.h"

#include <chrono>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <new>
#include <optional>
#include <thread>

namespace neural_style::plugin {
namespace {

// State shared between the worker and the main thread; every field is guarded by `mutex`.
struct Shared {
  std::mutex mutex;
  std::condition_variable changed;
  std::optional<neural_style::Progress> progress;  // newest report not yet forwarded
  std::optional<neural_style::Image> preview;      // newest snapshot not yet forwarded
  bool finished = false;
  bool cancel = false;
  JobResult result;
};

// A thread that is always joined: whatever happens on the main thread, the worker never
// outlives the objects it uses.
class JoiningThread {
 public:
  template <typename F>
  explicit JoiningThread(F&& f) : thread_(std::forward<F>(f)) {}
  ~JoiningThread() {
    if (thread_.joinable()) thread_.join();
  }
  JoiningThread(const JoiningThread&) = delete;
  JoiningThread& operator=(const JoiningThread&) = delete;

 private:
  std::thread thread_;
};

void work(EngineSession& session, const Job& job, bool want_preview, double preview_interval,
          Shared* shared) {
  using Clock = std::chrono::steady_clock;
  // The first snapshot waits one interval too: the start is the source itself.
  Clock::time_point last_preview = Clock::now();
  neural_style::Callbacks callbacks;
  callbacks.on_progress = [=, &last_preview](const neural_style::Progress& p) {
    std::optional<neural_style::Image> preview;
    const bool last_step = p.total_steps > 0 && p.done_steps >= p.total_steps;
    if (want_preview && p.snapshot && !last_step &&
        Clock::now() - last_preview >= std::chrono::duration<double>(preview_interval)) {
      // Copied outside the lock: the main thread must not wait for it.
      preview = p.snapshot();
      last_preview = Clock::now();
    }
    std::lock_guard<std::mutex> lock(shared->mutex);
    if (preview) shared->preview = std::move(preview);
    shared->progress = p;
    // The snapshot refers to engine state that is gone once the callback returns.
    shared->progress->snapshot = nullptr;
    shared->changed.notify_one();
  };
  callbacks.should_cancel = [shared] {
    std::lock_guard<std::mutex> lock(shared->mutex);
    return shared->cancel;
  };
  callbacks.on_warning = [shared](const std::string& w) {
    std::lock_guard<std::mutex> lock(shared->mutex);
    shared->result.warnings.push_back(w);
  };

  neural_style::Image image;
  neural_style::RunInfo info;
  neural_style::Status status;
  try {
    status = session.stylize(job, callbacks, &image, &info);
  } catch (const std::bad_alloc&) {
    status =
        neural_style::Status::error(neural_style::Status::Code::OutOfMemory, "allocation failed");
  } catch (const std::exception& e) {
    status = neural_style::Status::error(neural_style::Status::Code::Internal, e.what());
  } catch (...) {
    status = neural_style::Status::error(neural_style::Status::Code::Internal, "unknown exception");
  }

  std::lock_guard<std::mutex> lock(shared->mutex);
  shared->result.status = std::move(status);
  shared->result.image = std::move(image);
  shared->result.info = std::move(info);
  shared->finished = true;
  shared->changed.notify_one();
}

}  // namespace

neural_style::Status EngineSession::stylize(const Job& job,
                                            const neural_style::Callbacks& callbacks,
                                            neural_style::Image* result,
                                            neural_style::RunInfo* info) {
  const neural_style::EngineConfig config = neural_style::engine_config(job.params);
  if (!engine_ || engine_->config() != config) {
    engine_.reset();  // one network in memory at a time
    neural_style::Status status;
    engine_ = neural_style::create_module_engine(api_, config, &status);
    if (!engine_) return status;
  }
  return engine_->stylize(job.content, job.styles, job.params, callbacks, result, info);
}

JobResult run_job(EngineSession& session, Job job, const MainThreadHooks& hooks) {
  Shared shared;
  {
    const bool want_preview = static_cast<bool>(hooks.on_preview);
    const double interval = hooks.preview_interval_seconds;
    JoiningThread worker([&session, &job, &shared, want_preview, interval] {
      work(session, job, want_preview, interval, &shared);
    });
    // If a hook throws, the worker must still stop before `shared` goes away.
    struct CancelOnUnwind {
      Shared* shared;
      ~CancelOnUnwind() {
        std::lock_guard<std::mutex> lock(shared->mutex);
        shared->cancel = true;
      }
    } cancel_on_unwind{&shared};
    for (;;) {
      std::optional<neural_style::Progress> progress;
      std::optional<neural_style::Image> preview;
      bool finished = false;
      {
        std::unique_lock<std::mutex> lock(shared.mutex);
        if (!hooks.pump_events) {
          // Wake up now and then even without news so that cancel_requested is polled.
          shared.changed.wait_for(lock, std::chrono::milliseconds(200),
                                  [&shared] { return shared.finished || shared.progress; });
        }
        progress.swap(shared.progress);
        preview.swap(shared.preview);
        finished = shared.finished;
      }
      if (progress && hooks.on_progress) hooks.on_progress(*progress);
      if (preview && hooks.on_preview && !finished) hooks.on_preview(*preview);
      if (finished) break;
      if (hooks.cancel_requested && hooks.cancel_requested()) {
        std::lock_guard<std::mutex> lock(shared.mutex);
        shared.cancel = true;
      }
      if (hooks.pump_events) hooks.pump_events();
    }
  }  // joins the worker
  return std::move(shared.result);
}

}  // namespace neural_style::plugin
