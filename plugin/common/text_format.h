// printf into a std::string, for translated format strings (whose argument order translators
// may not change, so printf is safer here than concatenation).
#pragma once

#include <glib.h>

#include <string>

namespace neural_style::plugin {

std::string format(const char* fmt, ...) G_GNUC_PRINTF(1, 2);

}  // namespace neural_style::plugin
