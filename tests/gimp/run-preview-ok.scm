; OK pressed while the dialog's preview runs: the run that follows adds its layer as usual. The
; layer is 640 x 480 so that the preview (160 x 120) is told apart from the run in the engine's
; trace; the run itself is small (max-size 64, 3 steps).
(let* ((made (make-test-image 640 480 RGB 0 0))
       (image (car made))
       (source (cadr made))
       (style (make-style-file "style.png")))
  (gimp-display-new image)
  (set-last-values (string-append "neural-style-values 1\nstyle-file=" style
                                  "\niterations=3\nmax-size=64\ndevice=1\n"))
  (let ((result (car (run-interactive image source))))
    (check "one layer added" (= (layer-count image) 2))
    (check "layer name" (equal? (layer-name result) "Source (neural style)"))
    (let ((d (diff-mean result source)))
      (check "result differs from the source" (> d 0) (num->string d)))))
(finish)
