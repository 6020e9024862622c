; A missing or corrupt weights file fails with a message about the weights, and adds no layer.
(define (run-with-weights image layer style weights)
  (apply plug-in-neural-style
         (append (list RUN-NONINTERACTIVE image layer style 1.0 1000.0 0.001 3 0 0 0 0 1234 1
                       weights)
                 style-control-defaults)))
(let* ((made (make-test-image 48 48 RGB 0 0))
       (image (car made))
       (source (cadr made))
       (style (make-style-file "style.png"))
       (corrupt (string-append test-files "/vgg19-corrupt.safetensors"))
       (port (open-output-file corrupt)))
  (display "not safetensors at all" port)
  (close-output-port port)
  (check-fails-with "a missing weights file fails"
                    (lambda () (run-with-weights image source style
                                                 (string-append test-files "/none.safetensors")))
                    "VGG-19 weights")
  (check-fails-with "a corrupt weights file fails"
                    (lambda () (run-with-weights image source style corrupt))
                    "VGG-19 weights")
  (check "no layer added" (= (layer-count image) 1)))
(finish)
