; Helpers shared by the GIMP test cases. The caller defines test-results (a file path) and
; test-files (a scratch folder) before loading this file.

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

(define (num->string x) (number->string x))

; A test picture: plasma on a layer named "Source", optionally offset inside a larger image.
(define (make-test-image width height type offset-x offset-y)
  (let* ((image (car (gimp-image-new (+ width offset-x 8) (+ height offset-y 8) type)))
         (layer (car (gimp-layer-new image width height
                                     (if (= type GRAY) GRAYA-IMAGE RGBA-IMAGE)
                                     "Source" 100 LAYER-MODE-NORMAL))))
    (gimp-image-insert-layer image layer 0 0)
    (gimp-layer-set-offsets layer offset-x offset-y)
    (if (= type GRAY)
        (begin
          (gimp-context-set-foreground '(30 30 30))
          (gimp-context-set-background '(220 220 220))
          (gimp-drawable-edit-gradient-fill layer GRADIENT-LINEAR 0 FALSE 1 0 TRUE
                                            0 0 width height))
        (plug-in-plasma RUN-NONINTERACTIVE image layer 7 3.0))
    (list image layer)))

; A style picture written to test-files, returning its path. An optional plasma seed makes a
; different picture (the default is 99).
(define (make-style-file name . seed)
  (let* ((image (car (gimp-image-new 48 48 RGB)))
         (layer (car (gimp-layer-new image 48 48 RGB-IMAGE "Style" 100 LAYER-MODE-NORMAL)))
         (path (string-append test-files "/" name)))
    (gimp-image-insert-layer image layer 0 0)
    (plug-in-plasma RUN-NONINTERACTIVE image layer (if (null? seed) 99 (car seed)) 7.0)
    (file-png-save-defaults RUN-NONINTERACTIVE image layer path path)
    (gimp-image-delete image)
    path))

; Runs the plug-in with tiny, fast settings.
(define (run-neural-style image layer style)
  (plug-in-neural-style RUN-NONINTERACTIVE image layer style
                        1.0 1000.0 0.001   ; content, style, TV weights
                        3 0                ; iterations, max size (layer size)
                        0 0 0 1234 1       ; Adam, content init, no colour keeping, seed, CPU
                        ""                 ; default weights search
                        "" "" "" ""        ; no further style images, equal blend
                        1.0 0 0            ; style scale, colour mode none, preset custom
                        "" "" 2 0.0 0      ; default layers, 2 scales, default step, relative
                        -1 -1 -1 -1        ; no style layers
                        -1 -1 -1 -1))      ; no style regions

; The arguments of the style controls with their defaults, for calls that spell out
; the first twelve themselves: style-file-2..4, style-blend, style-scale, color-mode, preset,
; content-layer, style-layers, scales, learning-rate, raw-weights.
(define style-control-defaults '("" "" "" "" 1.0 0 0 "" "" 2 0.0 0 -1 -1 -1 -1 -1 -1 -1 -1))

; Mean absolute difference of two drawables of equal size (0 = identical pixels), measured by
; GIMP itself: b in difference mode over a, merged, histogram mean.
(define (diff-mean a b)
  (let* ((w (car (gimp-drawable-width a)))
         (h (car (gimp-drawable-height a)))
         (type (if (= (car (gimp-drawable-is-gray a)) TRUE) GRAY RGB))
         (image (car (gimp-image-new w h type)))
         (la (car (gimp-layer-new-from-drawable a image)))
         (lb (car (gimp-layer-new-from-drawable b image))))
    (gimp-image-insert-layer image la 0 0)
    (gimp-image-insert-layer image lb 0 0)
    (gimp-layer-set-offsets la 0 0)
    (gimp-layer-set-offsets lb 0 0)
    (gimp-layer-set-mode lb LAYER-MODE-DIFFERENCE)
    (let* ((merged (car (gimp-image-merge-down image lb CLIP-TO-IMAGE)))
           (mean (car (gimp-drawable-histogram merged HISTOGRAM-VALUE 0.0 1.0))))
      (gimp-image-delete image)
      mean)))

(define (layer-count image) (car (gimp-image-get-layers image)))

(define (layer-name layer) (car (gimp-item-get-name layer)))

(define (offsets layer) (gimp-drawable-offsets layer))

(define (pixel layer x y) (vector->list (cadr (gimp-drawable-get-pixel layer x y))))

; The error text a call raises, or #f when it succeeds. Script-Fu turns a failed PDB call into a
; Scheme error whose text carries the procedure's own error message.
(define (error-message-of thunk)
  (call/cc
    (lambda (k)
      (let ((saved *error-hook*))
        (set! *error-hook*
              (lambda args
                (set! *error-hook* saved)
                (k (apply string-append
                          (map (lambda (a) (if (string? a) a "")) args)))))
        (thunk)
        (set! *error-hook* saved)
        #f))))

(define (contains? text part)
  (let ((n (string-length text))
        (m (string-length part)))
    (let loop ((i 0))
      (cond ((> (+ i m) n) #f)
            ((string=? (substring text i (+ i m)) part) #t)
            (else (loop (+ i 1)))))))

; Checks that `thunk` fails with a message containing `part`.
(define (check-fails-with name thunk part)
  (let ((message (error-message-of thunk)))
    (check name (and message (contains? message part))
           (if message message "the call succeeded"))))

; An interactive call: the dialog opens with the last values (set-last-values), and the
; arguments, which an interactive run does not read, are placeholders of the right types.
(define (run-interactive image layer)
  (plug-in-neural-style RUN-INTERACTIVE image layer "" 0 0 0 0 0 0 0 0 0 0
                        "" "" "" "" "" 0 0 0 "" "" 0 0 0 -1 -1 -1 -1 -1 -1 -1 -1))

; A 48x48 RGB image whose RGBA layer "Gray" is a dark-to-light gray ramp: a picture with no
; colour of its own, for the colour-handling tests.
(define (make-gray-ramp-image)
  (let* ((image (car (gimp-image-new 48 48 RGB)))
         (layer (car (gimp-layer-new image 48 48 RGBA-IMAGE "Gray" 100 LAYER-MODE-NORMAL))))
    (gimp-image-insert-layer image layer 0 0)
    (gimp-context-set-foreground '(40 40 40))
    (gimp-context-set-background '(210 210 210))
    (gimp-drawable-edit-gradient-fill layer GRADIENT-LINEAR 0 FALSE 1 0 TRUE 0 0 48 48)
    (list image layer)))

; Stores the plug-in's "last values" the way the plug-in itself does (see
; plugin/common/parameters.h); names left out keep their defaults.
(define (set-last-values text)
  (let ((bytes (list->vector (map char->integer (string->list text)))))
    (gimp-procedural-db-set-data "plug-in-neural-style" (vector-length bytes) bytes)))
