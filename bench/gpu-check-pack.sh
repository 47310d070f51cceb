#!/bin/bash
# Prepare bench/gpu-check.ts for a lent GPU machine (see ../shared/device/README.md). Run from anywhere:
#   bash bench/gpu-check-pack.sh
# It writes, all under .devcarry/ (which ../shared/device/pack.sh adds to .git/info/exclude):
#   node.xz, gl/*.deb, prelude.sh   node and the Vulkan loader (../shared/device/pack.sh)
#   gpu-build/                      bench/gpu-check.ts and src/accel compiled to JavaScript (tsx and its
#                                   esbuild binary need not travel)
#   modules.tar.xz                  the node_modules the compiled code loads, Linux builds only
# Then, with carry [".devcarry"], the device command is:
#   source .devcarry/prelude.sh && tar xJf .devcarry/modules.tar.xz && \
#     /tmp/node .devcarry/gpu-build/bench/gpu-check.js --runs 5 --json $OUT/gpu-check.json
set -eu
cd "$(dirname "$0")/.."
bash ../shared/device/pack.sh
# The NVIDIA Vulkan driver (libGLX_nvidia.so.0) also needs libglvnd's libraries: with the Vulkan loader
# alone, its vkCreateInstance is not found and WebGPU finds no adapter (seen on the lent H100 and H200).
o='-oAPT::Architecture=amd64 -oAPT::Architectures=amd64 -oDir::State::Lists=/tmp/amd64'
(cd .devcarry/gl && apt-get $o download libglvnd0 libegl1 libgl1 libglx0 libopengl0 libgles2 >/dev/null 2>&1)
ls .devcarry/gl/libglvnd0_*.deb >/dev/null || { echo "gpu-check-pack: could not download libglvnd0 (needs the Debian mirror)" >&2; exit 1; }
rm -rf .devcarry/gpu-build
npx tsc -p bench/tsconfig.gpu-check.json
# gpu.js runs from src/ (its dist/ is the browser bundle); webgpu ships Dawn for four platforms.
tar cJf .devcarry/modules.tar.xz --exclude='*darwin*' --exclude='*win32*' --exclude='node_modules/gpu.js/dist' \
  node_modules/gpu.js node_modules/gpu-mock.js node_modules/acorn node_modules/webgpu/package.json \
  node_modules/webgpu/index.js node_modules/webgpu/dist node_modules/seedrandom
du -sh .devcarry/node.xz .devcarry/modules.tar.xz .devcarry/gpu-build
echo "total carried: $(du -sb .devcarry | cut -f1) bytes (a device call carries at most 64 MiB = 67108864)"
