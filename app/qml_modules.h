// linkQmlModules(): call once before loading QML so the static Enclave and Enclave.Ui
// modules are linked in (the call itself does nothing).
#pragma once

namespace enclave::app {

void linkQmlModules();

} // namespace enclave::app
