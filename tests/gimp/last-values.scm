; A run with last values repeats the previous non-interactive run's settings.
(let* ((made (make-test-image 48 48 RGB 0 0))
       (image (car made))
       (source (cadr made))
       (style (make-style-file "style.png"))
       (first (car (run-neural-style image source style)))
       ; Every argument below is ignored: the saved values are used instead.
       (second (car (plug-in-neural-style RUN-WITH-LAST-VALS image source "" 0 0 0 0 0 0 0 0 0
                                          0 "" "" "" "" "" 0 0 0 "" "" 0 0 0 -1 -1 -1 -1 -1 -1 -1 -1))))
  (check "two layers added" (= (layer-count image) 3))
  (let ((d (diff-mean first second)))
    (check "same settings give the same result" (= d 0) (num->string d))))
(finish)
