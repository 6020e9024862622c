; preset: every preset runs, and a preset replaces the arguments it covers: the seed recipe with
; nonsense in those arguments gives the same picture as a custom call that spells out the
; recipe's values (docs/gimp-plugin.md lists them).
(define (run-preset image layer style preset)
  ; Content 5, style 5, TV 3, 1 iteration, max size 20, L-BFGS, noise, scales 1, step 0.5,
  ; layers relu1_1: all replaced by the preset.
  (plug-in-neural-style RUN-NONINTERACTIVE image layer style 5.0 5.0 3.0 1 20 1 1 0 1234 1
                        "" "" "" "" "" 1.0 0 preset "relu1_1" "relu1_1:1" 1 0.5 0 -1 -1 -1 -1 -1 -1 -1 -1))

(let* ((made (make-test-image 32 32 RGB 0 0))
       (image (car made))
       (source (cadr made))
       (style (make-style-file "style.png"))
       (recipe (car (run-preset image source style 4)))
       (spelled (car (plug-in-neural-style RUN-NONINTERACTIVE image source style
                                           10.0 40.0 0.0 150 512 0 0 0 1234 1
                                           "" "" "" "" "" 1.0 0 0 "relu5_4"
                                           "relu1_1:0.2,relu2_1:0.2,relu3_1:0.2,relu4_1:0.2,relu5_1:0.2"
                                           2 0.03 1 -1 -1 -1 -1 -1 -1 -1 -1))))
  (let ((d (diff-mean recipe spelled)))
    (check "seed recipe equals its values spelled out" (< d 0.5) (num->string d)))
  (let ((d (diff-mean recipe source)))
    (check "seed recipe stylises" (> d 0) (num->string d)))
  (for-each
    (lambda (preset)
      (let ((layer (car (run-preset image source style preset))))
        (check (string-append "preset " (num->string preset) " adds a layer")
               (contains? (layer-name layer) "Source (neural style)"))))
    '(1 2 3))
  (check "five layers added" (= (layer-count image) 6) (num->string (layer-count image)))
  (check-fails-with "an unknown preset is refused"
                    (lambda () (run-preset image source style 9))
                    "preset"))
(finish)
