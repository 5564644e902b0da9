#!/usr/bin/env bash
# Build the Linux bundle (one folder, PyInstaller) and its .tar.gz, then smoke-test the bundle.
#
#   bash packaging/build_linux.sh [PYTHON]      # PYTHON: an interpreter with the app and
#                                              # pyinstaller installed (default .venv/bin/python)
# Writes dist/consortium/ and dist/Consortium-VERSION-linux-ARCH.tar.gz.
set -euo pipefail
cd "$(dirname "$0")/.."
python="${1:-.venv/bin/python}"
version=$("$python" -c 'import consortium; print(consortium.__version__)')
arch=$(uname -m)
start=$(date +%s)

rm -rf dist/consortium build/pyinstaller
"$python" -m PyInstaller --noconfirm --log-level WARN --distpath dist --workpath build/pyinstaller \
  packaging/consortium.spec
# Debug symbols are most of libpython's size; the other libraries are left as their wheels ship
# them (stripping the auditwheel-repaired ones in numpy.libs breaks them).
strip --strip-unneeded dist/consortium/_internal/libpython3*.so* 2>/dev/null || true

# Desktop integration beside the program: a .desktop file and the icon at the usual sizes.
mkdir -p dist/consortium/share/applications
cp packaging/consortium.desktop dist/consortium/share/applications/
for size in 16 32 48 64 128 256; do
  mkdir -p "dist/consortium/share/icons/hicolor/${size}x${size}/apps"
  cp "consortium/data/icons/consortium-${size}.png" \
    "dist/consortium/share/icons/hicolor/${size}x${size}/apps/consortium.png"
done
cp packaging/install-linux.sh dist/consortium/
cp packaging/README-linux.txt dist/consortium/README.txt

tarball="dist/Consortium-${version}-linux-${arch}.tar.gz"
tar -C dist -czf "$tarball" consortium
echo "Built dist/consortium in $(( $(date +%s) - start )) s"
echo "Bundle size: $(du -sh dist/consortium | cut -f1) unpacked, $(du -sh "$tarball" | cut -f1) as $tarball"
echo "Largest parts:"
# awk, not head, takes the first six: head leaving early killed sort with SIGPIPE, and under
# pipefail that failed a whole CI run after a good build (exit code 141).
du -s dist/consortium/_internal/* | sort -rn | \
  awk 'NR <= 6 {printf "  %5.0f MB  %s\n", $1/1024, $2}'

bash packaging/smoke_test.sh dist/consortium
