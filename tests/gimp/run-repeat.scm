; Filters > Repeat (RUN-WITH-LAST-VALS) with the image on the screen: the run shows the progress
; window with its preview and Cancel, as an interactive one does. The last values ask for a run
; that would take very long; the shell side finds the progress window and presses its Cancel.
; The repeat must then add no layer and leave the source as it was. (GIMP 2's Script-Fu does not
; raise an error for a cancelled call, so the image is what tells.)
(let* ((made (make-test-image 64 48 RGB 0 0))
       (image (car made))
       (source (cadr made))
       (style (make-style-file "style.png"))
       (backup (car (gimp-image-duplicate image)))
       (backup-layer (aref (cadr (gimp-image-get-layers backup)) 0)))
  (gimp-display-new image)
  (set-last-values (string-append "neural-style-values 1\nstyle-file=" style
                                  "\niterations=100000\nmax-size=0\ndevice=1\n"))
  ; The arguments are placeholders: a run with last values reads none of them.
  (catch 'cancelled
    (plug-in-neural-style RUN-WITH-LAST-VALS image source "" 0 0 0 0 0 0 0 0 0 0
                          "" "" "" "" "" 0 0 0 "" "" 0 0 0 -1 -1 -1 -1 -1 -1 -1 -1))
  (check "the cancelled repeat adds no layer" (= (layer-count image) 1))
  (let ((d (diff-mean source backup-layer)))
    (check "source pixels unchanged" (= d 0) (num->string d))))
(finish)
