; Styles taken from layers of open images, and regions. A style layer gives the same result as
; its pixels saved to a file; a slot with both uses the layer; a channel of the content image as
; region, and a style layer's image selection as source mask, give what the command line tool
; gives for the same masks as files (compare-cli.py runs it on the lines of cli-compare.txt);
; the selection itself is a region like the channel saved from it; wrong items are calling
; errors that add nothing.
(define (run-sources image layer style-1 style-2 drawables regions)
  (apply plug-in-neural-style
         (append (list RUN-NONINTERACTIVE image layer style-1 1.0 1000.0 0.001 3 0 0 0 0 1234 1
                       "" style-2 "" "" "" 1.0 0 0 "" "" 2 0.0 0)
                 drawables regions)))

(define (file name) (string-append test-files "/" name))

(define (save-layer image layer name)
  (file-png-save-defaults RUN-NONINTERACTIVE image layer (file name) (file name)))

; A gray PNG of width x height, black with a white rectangle: a mask as the CLI reads it.
(define (save-mask name width height x y w h)
  (let* ((image (car (gimp-image-new width height GRAY)))
         (layer (car (gimp-layer-new image width height GRAY-IMAGE "Mask" 100 LAYER-MODE-NORMAL))))
    (gimp-image-insert-layer image layer 0 0)
    (gimp-context-set-foreground '(0 0 0))
    (gimp-drawable-fill layer FILL-FOREGROUND)
    (gimp-image-select-rectangle image CHANNEL-OP-REPLACE x y w h)
    (gimp-drawable-edit-fill layer FILL-WHITE)
    (gimp-selection-none image)
    (file-png-save-defaults RUN-NONINTERACTIVE image layer (file name) (file name))
    (gimp-image-delete image)))

(define cli-port (open-output-file (file "cli-compare.txt")))
; One comparison for compare-cli.py: NAME, the plug-in's result and the CLI's style arguments,
; separated by tabs.
(define (compare-with-cli name gimp-png . args)
  (display name cli-port)
  (for-each (lambda (a) (display "\t" cli-port) (display a cli-port)) (cons gimp-png args))
  (newline cli-port))

(define none '(-1 -1 -1 -1))

(gimp-context-set-background '(200 120 40))
(let* ((made (make-test-image 48 40 RGB 3 2))
       (image (car made))
       (source (cadr made))
       (backup (car (gimp-image-duplicate image)))
       (backup-layer (aref (cadr (gimp-image-get-layers backup)) 0))
       (style-a (make-style-file "a.png"))
       (style-b (make-style-file "b.png" 5))
       ; Another open image whose layer, offset and partly transparent, is a style.
       (style-image (car (gimp-image-new 60 60 RGB)))
       (style-layer (car (gimp-layer-new style-image 48 48 RGBA-IMAGE "Style layer" 100
                                         LAYER-MODE-NORMAL))))
  (gimp-image-insert-layer style-image style-layer 0 0)
  (gimp-layer-set-offsets style-layer 5 7)
  (plug-in-plasma RUN-NONINTERACTIVE style-image style-layer 42 7.0)
  (gimp-image-select-rectangle style-image CHANNEL-OP-REPLACE 5 7 12 48)
  (gimp-drawable-edit-clear style-layer)
  (gimp-selection-none style-image)
  (save-layer style-image style-layer "style-layer.png")
  (save-layer image source "content.png")

  ; (a) The layer of another image as the style = its pixels saved to a file.
  (let* ((from-file (car (run-sources image source (file "style-layer.png") "" none none)))
         (from-layer (car (run-sources image source "" ""
                                       (list style-layer -1 -1 -1) none)))
         (both (car (run-sources image source style-b "" (list style-layer -1 -1 -1) none)))
         (other (car (run-sources image source style-b "" none none))))
    (let ((d (diff-mean from-layer from-file)))
      (check "a style layer of another image = its pixels as a file" (= d 0) (num->string d)))
    (let ((d (diff-mean both from-layer)))
      (check "a slot with a file and a layer uses the layer" (= d 0) (num->string d)))
    (let ((d (diff-mean other from-layer)))
      (check "another style gives another result" (> d 0.5) (num->string d)))
    (check "source name unchanged" (string=? (layer-name source) "Source")))

  ; (b) A channel of the content image as the region of style 1, style 2 elsewhere: the CLI with
  ; the same mask. The channel is in image coordinates; the layer is offset by (3, 2).
  (gimp-image-select-rectangle image CHANNEL-OP-REPLACE 10 6 20 30)
  (let ((channel (car (gimp-selection-save image))))
    (gimp-selection-none image)
    (save-mask "region.png" 48 40 7 4 20 30)
    (let ((region (car (run-sources image source style-a style-b none
                                    (list channel -1 -1 -1))))
          (everywhere (car (run-sources image source style-a style-b none none))))
      (save-layer image region "region-gimp.png")
      (compare-with-cli "channel region" "region-gimp.png" "--style" "a.png" "--style" "b.png"
                        "--style-mask" "region.png" "--style-mask" "-")
      (let ((d (diff-mean region everywhere)))
        (check "a region changes the result" (> d 0.5) (num->string d))))

    ; The selection as a region = the channel saved from it (with the selection active, both
    ; runs process its bounding box and mask the result with it).
    (gimp-image-select-ellipse image CHANNEL-OP-REPLACE 6 4 36 34)
    (let* ((saved (car (gimp-selection-save image)))
           (selection (car (gimp-image-get-selection image)))
           (by-selection (car (run-sources image source style-a style-b none
                                           (list selection -1 -1 -1))))
           (by-channel (car (run-sources image source style-a style-b none
                                         (list saved -1 -1 -1))))
           (unregioned (car (run-sources image source style-a style-b none none))))
      ; diff-mean compares pixels, which the selection masks would partly hide.
      (for-each (lambda (l) (gimp-layer-remove-mask l MASK-DISCARD))
                (list by-selection by-channel unregioned))
      (let ((d (diff-mean by-selection by-channel)))
        (check "the selection as region = the channel saved from it" (= d 0) (num->string d)))
      (let ((d (diff-mean by-selection unregioned)))
        (check "the selection as region changes the result" (> d 0.5) (num->string d))))
    (gimp-selection-none image)

    ; (c) A style layer whose image has a selection: the style is taken from the selected part,
    ; as the CLI's --style-source-mask. The layer is opaque here: the CLI ignores a style file's
    ; alpha, which the plug-in composites on the background as GIMP does.
    (let* ((opaque-image (car (gimp-image-new 64 64 RGB)))
           (opaque (car (gimp-file-load-layer RUN-NONINTERACTIVE opaque-image style-a))))
      (gimp-image-insert-layer opaque-image opaque 0 0)
      (gimp-layer-set-offsets opaque 6 9)
      (let ((whole (car (run-sources image source "" "" (list opaque -1 -1 -1) none))))
        (gimp-image-select-rectangle opaque-image CHANNEL-OP-REPLACE 10 12 24 30)
        (save-mask "source-mask.png" 48 48 4 3 24 30)
        (let ((part (car (run-sources image source "" "" (list opaque -1 -1 -1) none))))
          (save-layer image part "source-gimp.png")
          (compare-with-cli "style source mask" "source-gimp.png" "--style" "a.png"
                            "--style-source-mask" "source-mask.png")
          (let ((d (diff-mean part whole)))
            (check "the style image's selection changes the result" (> d 0.5)
                   (num->string d)))))

      ; (d) Wrong items: calling errors naming the argument, and no layer added.
      (let ((layers (layer-count image))
            (foreign (car (gimp-selection-save opaque-image))))
        (check-fails-with "a channel of another image is refused"
                          (lambda () (run-sources image source style-a "" none
                                                  (list foreign -1 -1 -1)))
                          "style-region")
        (check-fails-with "a layer as region is refused"
                          (lambda () (run-sources image source style-a "" none
                                                  (list source -1 -1 -1)))
                          "style-region")
        (check-fails-with "an ID that names nothing is refused"
                          (lambda () (run-sources image source style-a style-b none
                                                  (list -1 987654 -1 -1)))
                          "style-region-2")
        (check-fails-with "a channel as style layer is refused"
                          (lambda () (run-sources image source "" "" (list channel -1 -1 -1)
                                                  none))
                          "style-drawable")
        (check "failed calls add no layer" (= (layer-count image) layers)
               (num->string (layer-count image))))
      (gimp-image-delete opaque-image)))
  ; A style layer in the filtered image itself: the selection there says what to filter, never
  ; where the style comes from, so the layer gives what its pixels as a file give with the same
  ; selection.
  (let ((copy (car (gimp-layer-new-from-drawable style-layer image))))
    (gimp-image-insert-layer image copy 0 -1)
    (gimp-item-set-visible copy FALSE)
    (gimp-image-select-rectangle image CHANNEL-OP-REPLACE 8 6 30 30)
    (let ((in-image (car (run-sources image source "" "" (list copy -1 -1 -1) none)))
          (as-file (car (run-sources image source (file "style-layer.png") "" none none))))
      (for-each (lambda (l) (gimp-layer-remove-mask l MASK-DISCARD)) (list in-image as-file))
      (let ((d (diff-mean in-image as-file)))
        (check "the filtered image's selection is no style source mask" (= d 0)
               (num->string d))))
    (gimp-selection-none image))
  ; Last values that name items no longer there (Filters > Repeat after closing an image) are
  ; forgotten: the run uses the style file alone.
  (set-last-values (string-append "neural-style-values 1\nstyle-file=" style-a
                                  "\niterations=3\nmax-size=0\ndevice=1\nseed=1234"
                                  "\ncontent-weight=1\nstyle-weight=1000\ntv-weight=0.001"
                                  "\nstyle-drawable=987654\nstyle-region=987655\n"))
  (let ((repeated (car (plug-in-neural-style RUN-WITH-LAST-VALS image source "" 0 0 0 0 0 0 0 0
                                             0 0 "" "" "" "" "" 0 0 0 "" "" 0 0 0
                                             -1 -1 -1 -1 -1 -1 -1 -1)))
        (file-alone (car (run-sources image source style-a "" none none))))
    (let ((d (diff-mean repeated file-alone)))
      (check "a repeat forgets layers and channels that are gone" (= d 0) (num->string d))))
  (let ((d (diff-mean source backup-layer)))
    (check "source pixels unchanged" (= d 0) (num->string d)))
  (gimp-image-delete style-image)
  (gimp-image-delete backup)
  (gimp-image-delete image))
(close-output-port cli-port)
(finish)
