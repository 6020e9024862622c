; color-mode on a gray source under a colourful style: none lets the style's colours in,
; luminance keeps the source's (zero) chroma, transfer recolours the style with the source's
; colours first (a different result from both). color-mode wins over preserve-colors.
(define (run-mode image layer style mode preserve)
  (plug-in-neural-style RUN-NONINTERACTIVE image layer style 1.0 1000.0 0.001 3 0 0 0 preserve
                        1234 1 "" "" "" "" "" 1.0 mode 0 "" "" 2 0.0 0 -1 -1 -1 -1 -1 -1 -1 -1))

; Largest difference between the colour channels over a grid of pixels: 0 (or rounding) for gray.
(define (max-chroma layer)
  (let loop ((i 0) (most 0))
    (if (= i 36)
        most
        (let* ((p (pixel layer (+ 3 (* 7 (modulo i 6))) (+ 3 (* 7 (quotient i 6)))))
               (r (list-ref p 0)) (g (list-ref p 1)) (b (list-ref p 2)))
          (loop (+ i 1) (max most (- (max r g b) (min r g b))))))))

(let* ((made (make-gray-ramp-image))
       (image (car made))
       (source (cadr made))
       (style (make-style-file "style.png")))
  (let ((plain (car (run-mode image source style 0 0)))
        (luminance (car (run-mode image source style 1 0)))
        (transfer (car (run-mode image source style 2 0)))
        (transfer-over-preserve (car (run-mode image source style 2 1))))
    (check "none: the style's colours appear" (> (max-chroma plain) 8)
           (num->string (max-chroma plain)))
    (check "luminance: the result stays gray" (<= (max-chroma luminance) 2)
           (num->string (max-chroma luminance)))
    (let ((d (diff-mean luminance source)))
      (check "luminance: the result is still styled" (> d 0) (num->string d)))
    ; How far the recoloured style moves the colours is the engine's to test (tests/core);
    ; here: the mode reaches it and is neither of the other two.
    (let ((d (diff-mean transfer plain)))
      (check "transfer: differs from none" (> d 0.5) (num->string d)))
    (let ((d (diff-mean transfer luminance)))
      (check "transfer: differs from luminance" (> d 0.5) (num->string d)))
    (let ((d (diff-mean transfer-over-preserve transfer)))
      (check "color-mode wins over preserve-colors" (< d 0.5) (num->string d)))))
(finish)
