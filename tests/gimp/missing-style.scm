; Unreadable style files fail with an error status and a clear message, and add no layer.
(let* ((made (make-test-image 48 48 RGB 0 0))
       (image (car made))
       (source (cadr made))
       (missing (string-append test-files "/missing.png"))
       (bogus (string-append test-files "/not-an-image.png"))
       (port (open-output-file bogus)))
  (display "this is not a PNG" port)
  (close-output-port port)
  (check-fails-with "a missing style file fails"
                    (lambda () (run-neural-style image source missing))
                    "could not be opened")
  (check-fails-with "a style file that is not an image fails"
                    (lambda () (run-neural-style image source bogus))
                    "could not be opened")
  (check-fails-with "an empty style file name fails"
                    (lambda () (run-neural-style image source ""))
                    "No style image")
  (check "no layer added" (= (layer-count image) 1)))
(finish)
