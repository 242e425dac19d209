# packaging/: `cpack` (or `cmake --build build --target package`) builds a .deb that installs
# the enclave binary (QML compiled in), the desktop entry, the icon and the GGUF MIME type.
set(CPACK_PACKAGE_NAME "enclave")
set(CPACK_PACKAGE_VENDOR "Enclave")
set(CPACK_PACKAGE_CONTACT "Enclave developers <maintainers@enclave.invalid>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "Private, offline chat with local language models")
set(CPACK_PACKAGE_DESCRIPTION
    "Enclave runs open Mixture-of-Experts and dense language models (GGUF, safetensors) on this computer, "
    "with hot experts on the GPU and cold ones in RAM. Conversations are kept in a local database; "
    "nothing leaves the machine.")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_INSTALL_DIRECTORY "enclave")
set(CPACK_PACKAGING_INSTALL_PREFIX "/usr")
set(CPACK_GENERATOR "DEB")
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION "utils")
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# QML modules are loaded at run time, so shlibdeps cannot see them.
set(CPACK_DEBIAN_PACKAGE_DEPENDS
    "qml6-module-qtquick, qml6-module-qtquick-controls, qml6-module-qtquick-layouts, qml6-module-qtquick-window, \
qml6-module-qtquick-templates, qml6-module-qtquick-dialogs, qml6-module-qtqml-workerscript, \
qml6-module-qtqml-models, qml6-module-qt-labs-platform, qml6-module-qt-labs-folderlistmodel, qt6-qpa-plugins, libqt6svg6")
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "mesa-vulkan-drivers")
include(CPack)
