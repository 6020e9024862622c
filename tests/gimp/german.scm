; The plug-in's messages come from its own German catalogue when GIMP runs in German
; (run-case.sh installs the catalogue next to the plug-in, as a user install would).
(let* ((made (make-test-image 48 48 RGB 0 0))
       (image (car made))
       (source (cadr made)))
  (check-fails-with "German error message"
                    (lambda () (run-neural-style image source
                                                 (string-append test-files "/fehlt.png")))
                    "konnte nicht geöffnet werden")
  (let* ((style (make-style-file "stil.png"))
         (result (car (run-neural-style image source style))))
    (check "German layer name" (equal? (layer-name result) "Source (neuronaler Stil)")
           (layer-name result))))
(finish)
