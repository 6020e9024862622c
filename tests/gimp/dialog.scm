; Opens a test image in a display and invokes the plug-in interactively. The shell side of the
; test presses Cancel; afterwards the image must still have exactly one layer.
(let* ((made (make-test-image 640 480 RGB 0 0))
       (image (car made))
       (source (cadr made))
       (style (make-style-file "style.png")))
  (gimp-display-new image)
  ; Last values carry the style file into the dialog, so its thumbnail shows in the screenshot;
  ; every other control shows its default.
  (set-last-values (string-append "neural-style-values 1\nstyle-file=" style "\n"))
  ; Script-Fu treats a cancelled call as neither success nor error, so only the image is checked.
  (catch 'cancelled
    (run-interactive image source))
  (check "no layer added" (= (layer-count image) 1))
  (let ((d (diff-mean source (car (gimp-image-get-active-layer image)))))
    (check "the source is the remaining layer" (= d 0) (num->string d))))
(finish)
