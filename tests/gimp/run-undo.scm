; An interactive run adds its layer in one undo group: the shell side presses Ctrl+Z once in the
; image window, and that single undo must remove the new layer again.
(let* ((made (make-test-image 64 48 RGB 0 0))
       (image (car made))
       (source (cadr made))
       (style (make-style-file "style.png")))
  (gimp-display-new image)
  (gimp-image-clean-all image)
  (set-last-values (string-append "neural-style-values 1\nstyle-file=" style
                                  "\niterations=3\nmax-size=0\ndevice=1\n"))
  (run-interactive image source)
  (check "one layer added" (= (layer-count image) 2))
  ; Tells the shell side that the layers are counted: only then may it undo.
  (close-output-port (open-output-file (string-append test-files "/counted")))
  ; Script-Fu can neither undo nor sleep: poll (about 20 to 50 s at most) for the undo that
  ; the shell sends.
  (let loop ((i 0))
    (if (and (< i 1000000) (= (layer-count image) 2))
        (loop (+ i 1))))
  (check "one undo removes the new layer" (= (layer-count image) 1))
  (let* ((layers (cadr (gimp-image-get-layers image)))
         (left (aref layers 0)))
    (check "the source is what remains" (equal? (layer-name left) "Source"))))
(finish)
