// GCC's -fsanitize-coverage=trace-cmp also traces floating-point compares;
// libFuzzer has no hooks for those (clang never emits them), so they are
// defined here as no-ops: integer and string compares are the feedback.
extern "C" {
void __sanitizer_cov_trace_cmpf(float, float) {}
void __sanitizer_cov_trace_cmpd(double, double) {}
}
