#!/usr/bin/env bash
# Installs the main build (./build) into a scratch prefix and uses it as a new user would (docs/API.md): the C
# example built with `pkg-config --cflags --libs ftc`, shared and static; the C++ example built with
# find_package(ftc), shared (ftc::ftc) and static (ftc::ftc_static); the installed CLI, Python module and Java
# binding. Also checks that libftc.so exports the C API and nothing else. Budget: 3 minutes on 2 cores.
set -euo pipefail
cd "$(dirname "$0")/../.."
build=${FTC_CI_BUILD:-build}  # the build to install; CI's is ./build
dir=$PWD/build-ci/package
prefix=${dir}/prefix
rm -rf "${dir}"
mkdir -p "${dir}"
launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
not_linked_to_libftc() {
  if ldd "$1" | grep libftc; then echo "$1 should have libftc.a linked in, not libftc.so"; exit 1; fi
}
set -x

cmake --install "${build}" --prefix "${prefix}" >"${dir}/install.log"
lib=$(sed -n 's/^libdir=\${prefix}\///p' "${prefix}"/lib*/pkgconfig/ftc.pc)
for f in include/ftc/ftc.h include/ftc/ftc.hpp "${lib}/libftc.so" "${lib}/libftc.a" "${lib}/cmake/ftc/ftcConfig.cmake" \
         "${lib}/cmake/ftc/ftcConfigVersion.cmake" "${lib}/pkgconfig/ftc.pc" bin/ftc; do
  test -e "${prefix}/${f}"
done

# Symbols: the C API (ftc_*) and nothing else.
others=$(nm -D --defined-only "${prefix}/${lib}/libftc.so" | awk '$3 !~ /^ftc_/ {print $3}')
if [[ -n "${others}" ]]; then
  echo "libftc.so exports symbols outside the C API:"; echo "${others}" | head -20; exit 1
fi

"${prefix}/bin/ftc" --version

# C with pkg-config: shared, then static (libftc.a, with the backends' libraries as shared ones).
export PKG_CONFIG_PATH=${prefix}/${lib}/pkgconfig
libdir=$(pkg-config --variable=libdir ftc)
cc -std=c11 -Wall -Werror -o "${dir}/roundtrip_c" examples/c/roundtrip.c $(pkg-config --cflags --libs ftc) \
  -Wl,-rpath,"${libdir}" -lm
"${dir}/roundtrip_c"
cc -std=c11 -Wall -Werror -o "${dir}/roundtrip_c_static" examples/c/roundtrip.c $(pkg-config --cflags ftc) \
  -L"${libdir}" -l:libftc.a $(pkg-config --libs $(pkg-config --print-requires-private ftc)) -lstdc++ -lm -pthread
not_linked_to_libftc "${dir}/roundtrip_c_static"
"${dir}/roundtrip_c_static" raw

# C++ with find_package(ftc): ftc::ftc and ftc::ftc_static.
for kind in shared static; do
  static=OFF
  [[ ${kind} == static ]] && static=ON
  cmake -S examples/cpp -B "${dir}/cpp-${kind}" -DCMAKE_PREFIX_PATH="${prefix}" -DFTC_EXAMPLE_STATIC=${static} \
    "${launcher[@]}" >"${dir}/cpp-${kind}.log"
  cmake --build "${dir}/cpp-${kind}" >>"${dir}/cpp-${kind}.log"
  "${dir}/cpp-${kind}/roundtrip"
done
not_linked_to_libftc "${dir}/cpp-static/roundtrip"

# Python: the installed module round-trips an array and raises ftc.Error on corrupt bytes.
module=$(find "${prefix}" -name 'ftc.cpython-*.so' -print -quit)
if [[ -n "${module}" ]]; then
  PYTHONPATH=$(dirname "${module}") /usr/bin/python3 -c '
import numpy as np, ftc
x = np.random.default_rng(0).random((2, 8, 6, 6), dtype=np.float32)
data = ftc.encode(x, codec="raw", clip="minmax")
assert np.abs(ftc.decode(data) - x).max() <= 0.5001 / 255
try:
    ftc.decode(data[:10] + bytes([data[10] ^ 1]) + data[11:])
    raise SystemExit("corrupt bytes decoded")
except ftc.Error as e:
    print("python:", ftc.__version__, "corrupt bytes ->", e.reason, "-", e)
'
fi

# Java: the installed jar and JNI library, with the build's test program.
jar=${prefix}/share/java/ftc.jar
if [[ -e "${jar}" && -e "${build}/java/ftc_test.jar" ]]; then
  java -Djava.library.path="${prefix}/${lib}" -cp "${jar}:${build}/java/ftc_test.jar" org.ftc.FtcTest
fi
