; Areas smaller than the network accepts are refused with a message, and nothing is added.
(let* ((made (make-test-image 64 64 RGB 0 0))
       (image (car made))
       (source (cadr made))
       (style (make-style-file "style.png")))
  (gimp-image-select-rectangle image CHANNEL-OP-REPLACE 10 10 6 6)
  (check-fails-with "a tiny selection is refused"
                    (lambda () (run-neural-style image source style))
                    "needs at least")
  (check "no layer added" (= (layer-count image) 1)))
(finish)
