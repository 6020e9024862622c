; The plug-in's process is killed during a run (kill-plugin.sh does the killing). The caller
; defines `phase` besides test-results and test-files:
;   phase 1, the first batch command: starts a run that would take hours, on an image named
;     victim.xcf, and a copy of it named backup.xcf; once the killed call returns, the image must
;     have its one layer with unchanged pixels.
;   phase 2, the next batch command, in a new Script-Fu process: GIMP answers, finds both images
;     again, they still agree, and the plug-in can run again.

(define (image-named name)
  (let loop ((images (vector->list (cadr (gimp-image-list)))))
    (cond ((null? images) #f)
          ((equal? (car (gimp-image-get-filename (car images)))
                   (string-append test-files "/" name))
           (car images))
          (else (loop (cdr images))))))

(define (first-layer image) (aref (cadr (gimp-image-get-layers image)) 0))

(define (check-intact image backup)
  (check "the image has its original layer only" (= (layer-count image) 1)
         (num->string (layer-count image)))
  (check "the layer keeps its name" (equal? (layer-name (first-layer image)) "Source")
         (layer-name (first-layer image)))
  (let ((d (diff-mean (first-layer image) (first-layer backup))))
    (check "the layer's pixels are unchanged" (= d 0) (num->string d))))

(if (= phase 1)
    (let* ((made (make-test-image 160 120 RGB 0 0))
           (image (car made))
           (source (cadr made))
           (style (make-style-file "style.png"))
           (backup (car (gimp-image-duplicate image))))
      (gimp-image-set-filename image (string-append test-files "/victim.xcf"))
      (gimp-image-set-filename backup (string-append test-files "/backup.xcf"))
      (let ((message (error-message-of
                      (lambda ()
                        ; 100000 iterations at the layer's size: hours, unless killed.
                        (apply plug-in-neural-style
                               (append (list RUN-NONINTERACTIVE image source style
                                             1.0 1000.0 0.001 100000 0 0 0 0 1234 1 "")
                                       style-control-defaults))))))
        (check "the killed run returns an error" message "the call succeeded")
        (check-intact image backup)))
    (let ((image (image-named "victim.xcf"))
          (backup (image-named "backup.xcf")))
      (check "GIMP answers the next batch command and still has the image" image)
      (check "and its copy" backup)
      (if (and image backup)
          (begin
            (check-intact image backup)
            (let ((result (car (run-neural-style image (first-layer image)
                                                 (string-append test-files "/style.png")))))
              (check "the plug-in runs again" (= (layer-count image) 2)
                     (num->string (layer-count image))))))))
(finish)
