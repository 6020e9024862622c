; Second session: GIMP was restarted, yet a run with last values repeats the first session's
; settings (style file, seed, iterations...) and so its result.
(let* ((made (make-test-image 48 48 RGB 0 0))
       (image (car made))
       (source (cadr made))
       (result (car (plug-in-neural-style RUN-WITH-LAST-VALS image source "" 0 0 0 0 0 0 0 0 0
                                          0 "" "" "" "" "" 0 0 0 "" "" 0 0 0 -1 -1 -1 -1 -1 -1 -1 -1)))
       (path (string-append test-files "/first.png"))
       (first (car (gimp-file-load-layer RUN-NONINTERACTIVE image path))))
  (gimp-image-insert-layer image first 0 0)
  (let ((d (diff-mean result first)))
    (check "last values survive a restart" (= d 0) (num->string d))))
(finish)
