// The app's QML modules are static plugins; this pulls them into whatever links enclave_app.
#include "app/qml_modules.h"

#include <QtQml/qqmlextensionplugin.h>

Q_IMPORT_QML_PLUGIN(EnclavePlugin)
Q_IMPORT_QML_PLUGIN(Enclave_UiPlugin)
Q_IMPORT_QML_PLUGIN(Enclave_MarkdownPlugin)

namespace enclave::app {

void linkQmlModules() {}

} // namespace enclave::app
