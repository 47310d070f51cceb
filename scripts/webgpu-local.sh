#!/usr/bin/env bash
# Run node with WebGPU on a machine without a GPU (or with an older glibc), for checking the gpujs-webgpu
# path before a GPU session: Dawn (the `webgpu` package) on Mesa's lavapipe, a software Vulkan driver.
#
#   bash scripts/webgpu-local.sh --import tsx bench/gpu-check.ts --mode webgpu --small
#   bash scripts/webgpu-local.sh --import tsx src/cli/main.ts pretrain ... --backend gpujs-webgpu
#
# The arguments are node's (run scripts with node itself: a child started through npx or bin/run.mjs
# would not get the newer C library).
#
# What it sets up, once (Debian 12; needs root for apt):
#   - Dawn's linux-x64 build needs glibc >= 2.38 and GCC 13's libstdc++; Debian 12 has glibc 2.36. The
#     libc6, libstdc++6 and libgcc-s1 packages of Debian 13 (trixie) are downloaded and unpacked into
#     $CACHE (nothing is installed over the system's), and node is started through their dynamic loader.
#   - libvulkan1 and mesa-vulkan-drivers (lavapipe) are installed from the system's own apt sources.
# Numbers measured this way say nothing about GPU speed: lavapipe runs the shaders on the CPU.
set -euo pipefail

CACHE="${BERT_WEBGPU_LOCAL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/bert-ts-webgpu-local}"
LIB="$CACHE/root/usr/lib/x86_64-linux-gnu"
ICD=/usr/share/vulkan/icd.d/lvp_icd.x86_64.json

if [ ! -x "$LIB/ld-linux-x86-64.so.2" ]; then
  echo "webgpu-local: fetching Debian 13's glibc and libstdc++ into $CACHE" >&2
  mkdir -p "$CACHE/lists/partial" "$CACHE/debs" "$CACHE/root"
  echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian trixie main" > "$CACHE/trixie.list"
  APT=(-o "Dir::Etc::sourcelist=$CACHE/trixie.list" -o Dir::Etc::sourceparts=- -o "Dir::State::Lists=$CACHE/lists" -o APT::Get::List-Cleanup=0)
  apt-get "${APT[@]}" update >&2
  (cd "$CACHE/debs" && apt-get "${APT[@]}" download libc6 libstdc++6 libgcc-s1 >&2)
  for deb in "$CACHE"/debs/*.deb; do dpkg-deb -x "$deb" "$CACHE/root"; done
fi

if [ ! -f "$ICD" ]; then
  echo "webgpu-local: installing the Vulkan loader and lavapipe (apt-get install libvulkan1 mesa-vulkan-drivers)" >&2
  # A fresh machine may have no package lists yet: fetch them when the first attempt finds nothing.
  apt-get install -y --no-install-recommends libvulkan1 mesa-vulkan-drivers >&2 ||
    { apt-get update >&2 && apt-get install -y --no-install-recommends libvulkan1 mesa-vulkan-drivers >&2; }
fi

export VK_DRIVER_FILES="$ICD"
export XDG_RUNTIME_DIR="${XDG_RUNTIME_DIR:-/tmp}"
exec "$LIB/ld-linux-x86-64.so.2" --library-path "$LIB" "$(command -v node)" "$@"
