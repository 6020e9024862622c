; Helpers shared by the GIMP 3 Script-Fu cases. run_case.py defines test-results (a file path)
; and test-files (a scratch folder holding style.png) before loading this file.

(define results-port (open-output-file test-results))

(define (record line)
  (display line results-port)
  (newline results-port))

(define (check name ok . why)
  (record (if ok
              (string-append "PASS " name)
              (string-append "FAIL " name
                             (if (null? why) "" (string-append ": " (car why)))))))

(define (finish)
  (record "DONE")
  (close-output-port results-port))

(define style-file (string-append test-files "/style.png"))

; A layer with a two-colour gradient, offset inside its image.
(define (add-test-layer image name width height offset-x offset-y)
  (let ((layer (car (gimp-layer-new image name width height RGBA-IMAGE 100
                                    LAYER-MODE-NORMAL))))
    (gimp-image-insert-layer image layer 0 0)
    (gimp-layer-set-offsets layer offset-x offset-y)
    (gimp-context-set-foreground '(200 40 30))
    (gimp-context-set-background '(20 90 220))
    (gimp-drawable-edit-gradient-fill layer GRADIENT-LINEAR 0 FALSE 1 0 TRUE
                                      0 0 width height)
    layer))

(define (make-test-image width height offset-x offset-y)
  (let* ((image (car (gimp-image-new (+ width offset-x 8) (+ height offset-y 8) RGB)))
         (layer (add-test-layer image "Source" width height offset-x offset-y)))
    (list image layer)))

; Calls the plug-in by name with tiny, fast settings; `layers` is a vector.
(define (run-neural-style image layers style)
  (plug-in-neural-style RUN-NONINTERACTIVE image layers style
                        1.0 1000.0 0.001   ; content, style, TV weights
                        3 48               ; iterations, max size
                        "adam" "content"   ; optimizer, init
                        FALSE 1234 "cpu"   ; preserve colours, seed, device
                        ""))               ; weights file: search the default folders

(define (layers-of image) (car (gimp-image-get-layers image)))
(define (layer-count image) (vector-length (layers-of image)))
(define (layer-name layer) (car (gimp-item-get-name layer)))
(define (width-of layer) (car (gimp-drawable-get-width layer)))
(define (height-of layer) (car (gimp-drawable-get-height layer)))
(define (offsets-of layer) (gimp-drawable-get-offsets layer))
(define (pixel layer x y) (car (gimp-drawable-get-pixel layer x y)))

(define (find-layer image name)
  (let loop ((i 0))
    (cond ((>= i (layer-count image)) #f)
          ((equal? (layer-name (vector-ref (layers-of image) i)) name)
           (vector-ref (layers-of image) i))
          (else (loop (+ i 1))))))
