; Preserve colours keeps the source's chroma: a gray source stays gray under a colourful style,
; while without the option the style's colours come through.
(define (run-preserving image layer style preserve)
  (apply plug-in-neural-style
         (append (list RUN-NONINTERACTIVE image layer style 1.0 1000.0 0.001 3 0 0 0 preserve
                       1234 1 "")
                 style-control-defaults)))

; Largest difference between the colour channels over a few pixels: 0 (or rounding) for gray.
(define (max-chroma layer)
  (let loop ((points '((5 5) (20 9) (33 40) (41 17) (12 30) (44 44))) (most 0))
    (if (null? points)
        most
        (let* ((p (pixel layer (car (car points)) (cadr (car points))))
               (r (list-ref p 0)) (g (list-ref p 1)) (b (list-ref p 2))
               (spread (- (max r g b) (min r g b))))
          (loop (cdr points) (max most spread))))))

(let* ((made (make-gray-ramp-image))
       (image (car made))
       (source (cadr made))
       (style (make-style-file "style.png")))
  (let ((plain (car (run-preserving image source style 0)))
        (kept (car (run-preserving image source style 1))))
    (check "without the option the style's colours appear" (> (max-chroma plain) 8)
           (num->string (max-chroma plain)))
    (check "with the option the result stays gray" (<= (max-chroma kept) 2)
           (num->string (max-chroma kept)))
    (let ((d (diff-mean kept source)))
      (check "with the option the result is still styled" (> d 0) (num->string d)))))
(finish)
