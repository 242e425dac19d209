#!/usr/bin/env bash
# Installs every Debian package Enclave needs to build, run and test. Idempotent:
# packages already present are skipped, so a second run costs one dpkg query.
set -euo pipefail

packages=(
  # toolchain
  build-essential cmake ninja-build pkg-config ccache git
  # Qt 6: widgets-free Qt Quick app, QML modules used by ui/, Qt Test and Qt Quick Test
  qt6-base-dev qt6-declarative-dev qt6-svg-dev qt6-qpa-plugins libgl-dev
  qml6-module-qtquick qml6-module-qtquick-controls qml6-module-qtquick-layouts
  qml6-module-qtquick-window qml6-module-qtquick-templates qml6-module-qtquick-dialogs
  qml6-module-qtqml-workerscript qml6-module-qtqml-models qml6-module-qtcore
  qml6-module-qttest qml6-module-qt-labs-platform qml6-module-qt-labs-folderlistmodel
  # storage, logging, engine helpers
  libxkbcommon-dev
  libsqlite3-dev libspdlog-dev libfmt-dev nlohmann-json3-dev libpcre2-dev libutf8proc-dev
  libedit-dev  # enclave-cli chat: line editing and history (BSD-licensed editline)
  # Vulkan backend: headers, loader, shader compiler, Mesa's software driver (lavapipe) for CI
  libvulkan-dev glslc mesa-vulkan-drivers vulkan-tools
  # headless GUI tests and screenshots
  xvfb xauth
  # hostile-input checks: clang with libFuzzer and the sanitizer runtimes
  clang libclang-rt-14-dev
  # the no-network test: strace in an empty network namespace (unshare is in util-linux)
  strace
  # packaging
  dpkg-dev file sqlite3
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "setup-deps: all ${#packages[@]} packages present"
  exit 0
fi

echo "setup-deps: installing ${#missing[@]} packages: ${missing[*]}"
sudo_cmd=()
[ "$(id -u)" -ne 0 ] && sudo_cmd=(sudo)
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update
"${sudo_cmd[@]}" apt-get install -y --no-install-recommends "${missing[@]}"
