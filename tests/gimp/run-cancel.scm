; Starts an interactive run that would take very long; the shell side presses the progress
; window's Cancel. The image must be exactly as before: one layer, unchanged pixels.
(let* ((made (make-test-image 160 120 RGB 0 0))
       (image (car made))
       (source (cadr made))
       (style (make-style-file "style.png"))
       (backup (car (gimp-image-duplicate image)))
       (backup-layer (aref (cadr (gimp-image-get-layers backup)) 0)))
  (gimp-display-new image)
  (set-last-values (string-append "neural-style-values 1\nstyle-file=" style
                                  "\niterations=100000\nmax-size=0\ndevice=1\n"))
  (catch 'cancelled
    (run-interactive image source))
  (check "no layer added" (= (layer-count image) 1))
  (let ((d (diff-mean source backup-layer)))
    (check "source pixels unchanged" (= d 0) (num->string d))))
(finish)
