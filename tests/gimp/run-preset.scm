; The dialog's Preset combo: the shell side picks "Fast preview" with the keyboard and presses
; OK. The run must add its layer, and the values the dialog hands over (saved as the last
; values) must be the preset's: its iterations and max size, the preset itself, the rest as
; before.
(define (last-values-text)
  (let ((data (gimp-procedural-db-get-data "plug-in-neural-style")))
    (list->string (map integer->char (vector->list (cadr data))))))

(let* ((made (make-test-image 64 48 RGB 0 0))
       (image (car made))
       (source (cadr made))
       (style (make-style-file "style.png")))
  (gimp-display-new image)
  (set-last-values (string-append "neural-style-values 1\nstyle-file=" style
                                  "\niterations=3\nmax-size=0\nseed=4321\ndevice=1\n"))
  (let ((result (car (run-interactive image source)))
        (text (last-values-text)))
    (check "one layer added" (= (layer-count image) 2))
    (check "preset saved" (contains? text "\npreset=1\n") text)
    (check "the preset's iterations" (contains? text "\niterations=60\n") text)
    (check "the preset's max size" (contains? text "\nmax-size=256\n") text)
    (check "the seed is not the preset's" (contains? text "\nseed=4321\n") text)))
(finish)
