; The dialog's rows for styles from open images: the shell side picks, with the keyboard, the
; first layer offered for style 1 (the layer of a second open image, opened last) and the last
; region (the image's one channel), then presses OK. The run must have used both: the values handed
; over name them, and the new layer equals a non-interactive run with them (and differs from
; one with the style file alone, which the dialog started from).
(define (last-values-text)
  (let ((data (gimp-procedural-db-get-data "plug-in-neural-style")))
    (list->string (map integer->char (vector->list (cadr data))))))

(let* ((made (make-test-image 64 48 RGB 0 0))
       (image (car made))
       (source (cadr made))
       (style (make-style-file "style.png"))
       (channel (begin (gimp-image-select-rectangle image CHANNEL-OP-REPLACE 8 8 30 24)
                       (car (gimp-selection-save image)))))
  (gimp-selection-none image)
  (gimp-item-set-name channel "Region")
  (gimp-display-new image)
  (let* ((style-image (car (gimp-image-new 48 48 RGB)))
         (style-layer (car (gimp-layer-new style-image 48 48 RGB-IMAGE "Style layer" 100
                                           LAYER-MODE-NORMAL))))
    (gimp-image-insert-layer style-image style-layer 0 0)
    (plug-in-plasma RUN-NONINTERACTIVE style-image style-layer 42 7.0)
    (gimp-display-new style-image)
    (gimp-displays-flush)
    (set-last-values (string-append "neural-style-values 1\nstyle-file=" style
                                    "\nstyle-file-2=" style
                                    "\niterations=3\nmax-size=0\ndevice=1\nseed=1234\n"
                                    ; A region on the unused style 4 opens the dialog's rows
                                    ; for layers and regions, and changes nothing else.
                                    "style-region-4=" (num->string channel) "\n"))
    (let* ((result (car (run-interactive image source)))
           (text (last-values-text)))
      (check "one layer added" (= (layer-count image) 2) (num->string (layer-count image)))
      (check "the style layer handed over"
             (contains? text (string-append "\nstyle-drawable=" (num->string style-layer) "\n"))
             text)
      (check "the region handed over"
             (contains? text (string-append "\nstyle-region=" (num->string channel) "\n"))
             text)
      (let* ((args (list RUN-NONINTERACTIVE image source style 1.0 10.0 1.0 3 0 0 0 0 1234 1 ""
                         style "" "" "" 1.0 0 0 "" "" 2 0.0 0))
             (same (car (apply plug-in-neural-style
                               (append args (list style-layer -1 -1 -1 channel -1 -1 -1)))))
             (files-only (car (apply plug-in-neural-style
                                     (append args (list -1 -1 -1 -1 -1 -1 -1 -1))))))
        (let ((d (diff-mean result same)))
          (check "the run used the layer and the region" (= d 0) (num->string d)))
        (let ((d (diff-mean result files-only)))
          (check "which differs from the files alone" (> d 0.5) (num->string d)))))))
(finish)
