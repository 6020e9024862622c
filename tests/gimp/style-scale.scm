; style-scale resizes the style image before its style is measured: small and large scales
; give different results; a scale outside the engine's limits is refused, naming the argument.
(define (run-scaled image layer style scale)
  (plug-in-neural-style RUN-NONINTERACTIVE image layer style 1.0 1000.0 0.001 3 0 0 0 0 1234 1
                        "" "" "" "" "" scale 0 0 "" "" 2 0.0 0 -1 -1 -1 -1 -1 -1 -1 -1))

(let* ((made (make-test-image 48 48 RGB 0 0))
       (image (car made))
       (source (cadr made))
       (style (make-style-file "style.png"))
       (small (car (run-scaled image source style 0.5)))
       (large (car (run-scaled image source style 2.0))))
  (check "two layers added" (= (layer-count image) 3))
  (check "result keeps the layer's size"
         (and (= (car (gimp-drawable-width large)) 48) (= (car (gimp-drawable-height large)) 48)))
  (let ((d (diff-mean small large)))
    (check "scale 0.5 and 2 give different results" (> d 0.5) (num->string d)))
  (check-fails-with "scale 10 is refused" (lambda () (run-scaled image source style 10.0))
                    "style-scale"))
(finish)
