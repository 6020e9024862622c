#include "i18n.h"

#include <glib.h>
#include <libintl.h>

#include <string>

namespace neural_style::plugin {
namespace {

std::string& chosen_dir() {
  static std::string dir = LOCALEDIR;
  return dir;
}

}  // namespace

void init_i18n(const char* argv0) {
  // A user install copies the plug-in folder (with its locale/ subfolder) into GIMP's plug-ins
  // folder, far from LOCALEDIR; prefer catalogues that travel with the executable.
  if (argv0 && *argv0) {
    gchar* dir = g_path_get_dirname(argv0);
    gchar* local = g_build_filename(dir, "locale", nullptr);
    if (g_file_test(local, G_FILE_TEST_IS_DIR)) chosen_dir() = local;
    g_free(local);
    g_free(dir);
  }
  bindtextdomain(GETTEXT_PACKAGE, chosen_dir().c_str());
  bind_textdomain_codeset(GETTEXT_PACKAGE, "UTF-8");
}

const char* locale_dir() {
  return chosen_dir().c_str();
}

}  // namespace neural_style::plugin
