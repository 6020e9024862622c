; Script-Fu: a style layer of another open image and a region channel are passed as the items
; themselves, -1 for none. The layer (loaded from style.png) gives the result of the file.
(define (run-sources image layer style drawables regions)
  (apply plug-in-neural-style
         (append (list RUN-NONINTERACTIVE image (vector layer) style 1.0 1000.0 0.001 3 48
                       "adam" "content" FALSE 1234 "cpu" "" "" "" "" "" 1.0 "none" "custom"
                       "" "" 2 0.0 FALSE)
                 drawables regions)))

; Whether two layers of equal size have the same pixels on a grid of points.
(define (same-on-grid? a b)
  (let loop ((x 1) (y 1))
    (cond ((>= y (height-of a)) #t)
          ((>= x (width-of a)) (loop 1 (+ y 5)))
          ((not (equal? (pixel a x y) (pixel b x y))) #f)
          (else (loop (+ x 5) y)))))

(let* ((made (make-test-image 48 40 3 2))
       (image (car made))
       (source (cadr made))
       (style-image (car (gimp-file-load RUN-NONINTERACTIVE style-file)))
       (style-layer (vector-ref (car (gimp-image-get-layers style-image)) 0))
       (from-file (car (run-sources image source style-file '(-1 -1 -1 -1) '(-1 -1 -1 -1))))
       (from-layer (car (run-sources image source "" (list style-layer -1 -1 -1)
                                     '(-1 -1 -1 -1)))))
  (check "a style layer gives the file's result" (same-on-grid? from-layer from-file))
  (gimp-image-select-rectangle image CHANNEL-OP-REPLACE 10 6 20 30)
  (let ((channel (car (gimp-selection-save image))))
    (gimp-selection-none image)
    (run-sources image source "" (list style-layer -1 -1 -1) (list channel -1 -1 -1))
    (check "a run with a region channel adds its layer" (= (layer-count image) 4)
           (number->string (layer-count image))))
  (gimp-image-delete style-image))
(finish)
