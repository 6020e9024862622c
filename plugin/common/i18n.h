// Translation macros shared by both GIMP adapters and the dialogs.
//
// The plug-in has its own gettext domain (GETTEXT_PACKAGE from config.h) so that it can be
// translated without touching GIMP's catalogues; g_dgettext() names that domain explicitly,
// which keeps us correct even if a library we load calls textdomain() behind our back.
#pragma once

#include "config.h"  // GETTEXT_PACKAGE, LOCALEDIR

#include <glib/gi18n-lib.h>

namespace neural_style::plugin {

// Binds the plug-in's domain to its catalogue folder. The folder is LOCALEDIR, or a `locale`
// folder next to the executable when the plug-in was copied into a user's GIMP folder.
void init_i18n(const char* argv0);

// The catalogue folder init_i18n() chose; GIMP 2 wants it again for gimp_plugin_domain_register.
const char* locale_dir();

}  // namespace neural_style::plugin
