; Indexed images are refused with a message, and nothing is added.
(let* ((made (make-test-image 48 48 RGB 0 0))
       (image (car made))
       (style (make-style-file "style.png")))
  (gimp-image-flatten image)
  (gimp-image-convert-indexed image CONVERT-DITHER-NONE CONVERT-PALETTE-GENERATE 16
                              FALSE FALSE "")
  (let ((layer (aref (cadr (gimp-image-get-layers image)) 0)))
    (check-fails-with "an indexed image is refused"
                      (lambda () (run-neural-style image layer style))
                      "indexed")
    (check "no layer added" (= (layer-count image) 1))))
(finish)
