; Script-Fu: a style file that does not exist makes the call fail and adds no layer.
(let* ((made (make-test-image 48 48 0 0))
       (image (car made))
       (source (cadr made))
       (outcome (catch 'failed
                  (run-neural-style image (vector source)
                                    (string-append test-files "/no-such-style.png")))))
  (check "the call fails" (equal? outcome 'failed))
  (check "no layer added" (= (layer-count image) 1)))
(finish)
