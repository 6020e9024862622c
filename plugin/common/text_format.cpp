#include "text_format.h"

#include <cstdarg>

namespace neural_style::plugin {

std::string format(const char* fmt, ...) {
  va_list args;
  va_start(args, fmt);
  gchar* s = g_strdup_vprintf(fmt, args);
  va_end(args);
  std::string out(s ? s : "");
  g_free(s);
  return out;
}

}  // namespace neural_style::plugin
