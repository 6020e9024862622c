; An interactive run confirmed with OK adds the result layer, like a non-interactive one.
(let* ((made (make-test-image 64 48 RGB 0 0))
       (image (car made))
       (source (cadr made))
       (style (make-style-file "style.png")))
  (gimp-display-new image)
  (set-last-values (string-append "neural-style-values 1\nstyle-file=" style
                                  "\niterations=3\nmax-size=0\ndevice=1\n"))
  (let ((result (car (run-interactive image source))))
    (check "one layer added" (= (layer-count image) 2))
    (check "layer name" (equal? (layer-name result) "Source (neural style)"))
    (let ((d (diff-mean result source)))
      (check "result differs from the source" (> d 0) (num->string d)))))
(finish)
