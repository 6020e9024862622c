; Several style images: style-file-2 and style-blend. A blend that gives the second style the
; weight 0 is the first style alone; other blends change the result; a blend that does not
; fit the style images is refused with a message naming style-blend.
(define (run-styles image layer style-a style-b blend)
  (plug-in-neural-style RUN-NONINTERACTIVE image layer style-a 1.0 1000.0 0.001 3 0 0 0 0 1234 1
                        "" style-b "" "" blend 1.0 0 0 "" "" 2 0.0 0 -1 -1 -1 -1 -1 -1 -1 -1))

(let* ((made (make-test-image 48 40 RGB 0 0))
       (image (car made))
       (source (cadr made))
       (style-a (make-style-file "a.png"))
       (style-b (make-style-file "b.png" 5))
       (backup (car (gimp-image-duplicate image)))
       (backup-layer (aref (cadr (gimp-image-get-layers backup)) 0))
       (alone (car (run-neural-style image source style-a)))
       (first-only (car (run-styles image source style-a style-b "1,0")))
       (blended (car (run-styles image source style-a style-b "3,1")))
       (other (car (run-styles image source style-a style-b "0,1"))))
  (check "four layers added" (= (layer-count image) 5) (num->string (layer-count image)))
  ; GIMP numbers repeated names ("... #2"), so only the start of the name is fixed.
  (check "blended layer name" (contains? (layer-name blended) "Source (neural style)")
         (layer-name blended))
  (let ((d (diff-mean first-only alone)))
    (check "blend 1,0 is the first style alone" (< d 0.5) (num->string d)))
  (let ((d (diff-mean other first-only)))
    (check "blend 0,1 differs from 1,0" (> d 0.5) (num->string d)))
  (let ((d (diff-mean blended other)))
    (check "blend 3,1 differs from 0,1" (> d 0) (num->string d)))
  (let ((d (diff-mean source backup-layer)))
    (check "source pixels unchanged" (= d 0) (num->string d)))
  (check-fails-with "three weights for two styles are refused"
                    (lambda () (run-styles image source style-a style-b "1,2,3"))
                    "style-blend")
  (check-fails-with "a missing second style file is named"
                    (lambda () (run-styles image source style-a
                                           (string-append test-files "/none.png") ""))
                    "none.png")
  (check "failed calls add no layer" (= (layer-count image) 5)))
(finish)
