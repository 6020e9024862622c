; First session of the values-persist case: a non-interactive run saves its values, and the
; result is kept in a file for the second session to compare with.
(let* ((made (make-test-image 48 48 RGB 0 0))
       (image (car made))
       (source (cadr made))
       (style (make-style-file "style.png"))
       (result (car (run-neural-style image source style)))
       (path (string-append test-files "/first.png")))
  (file-png-save-defaults RUN-NONINTERACTIVE image result path path)
  (check "first session ran" (= (layer-count image) 2)))
(finish)
