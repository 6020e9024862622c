; 16-bit and 32-bit float images work, and the image keeps its precision.

; An 8-bit value v widened to 16 bits is v * 257: both of its bytes are equal. A result that
; went through 8 bits would show only such values.
(define (has-16-bit-detail layer)
  (let loop ((points '((5 5) (20 9) (33 40) (41 17) (12 30))))
    (and (pair? points)
         (let ((p (pixel layer (car (car points)) (cadr (car points)))))
           (or (not (= (list-ref p 0) (list-ref p 1)))
               (not (= (list-ref p 2) (list-ref p 3)))
               (loop (cdr points)))))))

(define (run-at-precision precision label)
  (let* ((made (make-test-image 48 48 RGB 0 0))
         (image (car made))
         (source (cadr made))
         (style (make-style-file (string-append label ".png"))))
    (gimp-image-convert-precision image precision)
    (let ((result (car (run-neural-style image source style))))
      (check (string-append label ": one layer added") (= (layer-count image) 2))
      (check (string-append label ": precision kept")
             (= (car (gimp-image-get-precision image)) precision))
      (let ((d (diff-mean result source)))
        (check (string-append label ": result differs") (> d 0) (num->string d)))
      (if (= precision PRECISION-U16-GAMMA)
          (begin
            ; The source was widened from 8 bits, so it shows that the probe can tell.
            (check "16-bit: probe sees 8-bit source" (not (has-16-bit-detail source)))
            (check "16-bit: result has 16-bit detail" (has-16-bit-detail result)))))))

(run-at-precision PRECISION-U16-GAMMA "16-bit")
(run-at-precision PRECISION-FLOAT-LINEAR "32-bit float")
(finish)
