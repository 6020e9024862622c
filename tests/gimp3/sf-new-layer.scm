; Script-Fu: a run adds "<source> (neural style)" above the source, with the source's size and
; offsets, different pixels, and leaves the source untouched.
(let* ((made (make-test-image 64 48 6 4))
       (image (car made))
       (source (cadr made))
       (before (car (gimp-image-duplicate image)))
       (result (car (run-neural-style image (vector source) style-file))))
  (check "one layer added" (= (layer-count image) 2))
  (check "layer name" (equal? (layer-name result) "Source (neural style)") (layer-name result))
  (check "same width" (= (width-of result) 64))
  (check "same height" (= (height-of result) 48))
  (check "same offsets" (equal? (offsets-of result) (offsets-of source)))
  (check "differs from the source"
         (not (equal? (pixel result 20 20) (pixel source 20 20))))
  (let ((old (vector-ref (layers-of before) 0)))
    (check "source unchanged" (and (equal? (pixel source 20 20) (pixel old 20 20))
                                   (equal? (pixel source 60 40) (pixel old 60 40)))))
  (gimp-image-delete before))
(finish)
