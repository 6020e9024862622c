# Sanitizer options for the instrumented test run; sourced by tools/sanitize.sh with the folder
# holding readable copies of the .supp files beside this one. Every finding stops the process
# with a non-zero status (halt_on_error), so the test that ran it fails.
supp_dir=${1:?usage: source options.sh SUPPRESSIONS-DIR}
# detect_leaks: LSan runs at every instrumented process's exit (tests and the CLI).
# strict_string_checks, detect_stack_use_after_return: stricter than the defaults, for our code.
# print_suppressions=0: the list of matched suppressions would add lines to the CLI's stderr,
# which the CLI tests hold to the CLI's own lines.
export ASAN_OPTIONS="halt_on_error=1:abort_on_error=0:detect_leaks=1:strict_string_checks=1:detect_stack_use_after_return=1:check_initialization_order=1:print_summary=1"
export LSAN_OPTIONS="suppressions=$supp_dir/lsan.supp:print_suppressions=0"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:print_summary=1:suppressions=$supp_dir/ubsan.supp"
