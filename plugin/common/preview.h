// The settings dialogs' preview, without the widgets: what a preview computes (a downscaled copy
// of the source with the fast-preview preset's effort and the dialog's other values) and the
// worker thread that computes it in the background, one preview at a time, the newest wins.
//
// Toolkit-free and libgimp-free: the dialogs read the pixels on the main thread and hand a Job
// over; the worker never calls into GIMP.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <optional>
#include <thread>

#include "parameters.h"
#include "pixels.h"
#include "runner.h"

namespace neural_style::plugin {

// The longer side of the preview, in pixels.
constexpr int kPreviewSide = 160;

// The values a preview runs with: the run's recipe (its preset applied) with the effort of the
// fast-preview preset, its steps and at most its pyramid levels, at the size of the copy it is
// given. Weights, optimiser, layers, colour handling, seed and styles are the dialog's, so a
// change of any of them shows.
Values preview_values(const Values& values);

// The colour of `source` scaled down so that its longer side is at most `max_side` (each output
// pixel the mean of the source pixels it covers); smaller sources are copied as they are.
neural_style::Image downscale_rgb(const RgbaImage& source, int max_side);
// A mask scaled down the same way (a style's region, for the preview's copy of the content).
neural_style::Mask downscale_mask(const neural_style::Mask& mask, int max_side);

// Computes previews on a thread of its own with one EngineSession, so the network is read once
// for all the previews of a dialog. start() never waits: it hands the job over and asks the
// running one, if any, to stop at the engine's next check. Only the newest job's outcome is
// reported. The destructor stops and joins the thread (the engine stops within one step).
class PreviewWorker {
 public:
  explicit PreviewWorker(const neural_style::EngineApi& api);
  ~PreviewWorker();
  PreviewWorker(const PreviewWorker&) = delete;
  PreviewWorker& operator=(const PreviewWorker&) = delete;

  // Queues `job` in place of any job not yet started, stops the running one; returns the new
  // job's generation (1, 2, ...).
  std::uint64_t start(Job job);
  // Stops the running job and forgets a queued one; nothing more is reported for them.
  void cancel();

  // What happened to the newest job since the last poll (main thread).
  struct Update {
    std::uint64_t generation = 0;
    std::optional<neural_style::Progress> progress;  // the latest report, without a snapshot
    std::optional<JobResult> result;                 // set once, when the job has ended
  };
  std::optional<Update> poll();

 private:
  void loop();

  EngineSession session_;  // used on the worker thread only
  std::mutex mutex_;
  std::condition_variable wake_;
  std::optional<Job> queued_;
  std::uint64_t requested_ = 0;  // generation of the newest start() (or cancel())
  std::uint64_t queued_generation_ = 0;
  std::optional<Update> news_;  // for the newest generation only
  bool quit_ = false;
  std::thread thread_;  // last: started once everything above exists
};

}  // namespace neural_style::plugin
