# cmake/mmr-bpf.cmake - the BPF collector (issue 8), included by libreplay/CMakeLists.txt.
#
# MMR_BPF (default: ON when everything below is found) compiles
# libreplay/ingest/bpf/mmtrace.bpf.c with clang for the bpf target against a
# vmlinux.h that bpftool dumps from the build host's kernel BTF, embeds it in a
# skeleton (`bpftool gen skeleton`), and links the replay library with libbpf.
# The program is CO-RE: it is relocated against the running kernel at load time,
# so the build host's BTF only has to be a kernel with the same tracepoints.
# Without MMR_BPF the library still has the mmr_bpf_* calls; they return
# -MMR_E_UNSUPP and mmr_bpf_available() says why (MMR_BPF_UNAVAILABLE).

find_program(MMR_BPF_CLANG NAMES clang clang-19 clang-16 clang-15 clang-14)
find_program(MMR_BPFTOOL NAMES bpftool PATHS /usr/sbin /sbin /usr/local/sbin)
find_program(MMR_LLVM_STRIP NAMES llvm-strip llvm-strip-19 llvm-strip-16 llvm-strip-15
	llvm-strip-14)
pkg_check_modules(LIBBPF IMPORTED_TARGET libbpf>=0.8)
set(MMR_BTF_FILE "/sys/kernel/btf/vmlinux" CACHE FILEPATH
	"kernel BTF that vmlinux.h is generated from")

set(mmr_bpf_missing "")
if(NOT MMR_BPF_CLANG)
	list(APPEND mmr_bpf_missing "clang")
endif()
if(NOT MMR_BPFTOOL)
	list(APPEND mmr_bpf_missing "bpftool")
endif()
if(NOT LIBBPF_FOUND)
	list(APPEND mmr_bpf_missing "libbpf (libbpf-dev)")
endif()
if(NOT EXISTS "${MMR_BTF_FILE}")
	list(APPEND mmr_bpf_missing "kernel BTF (${MMR_BTF_FILE})")
endif()
if(mmr_bpf_missing)
	set(mmr_bpf_default OFF)
else()
	set(mmr_bpf_default ON)
endif()
option(MMR_BPF "build the BPF collector (record --bpf)" ${mmr_bpf_default})

if(MMR_BPF AND mmr_bpf_missing)
	string(REPLACE ";" ", " m "${mmr_bpf_missing}")
	message(FATAL_ERROR "MMR_BPF=ON but missing: ${m} (scripts/setup.sh installs them)")
endif()

if(NOT MMR_BPF)
	if(mmr_bpf_missing)
		string(REPLACE ";" ", " m "${mmr_bpf_missing}")
		set(why "built without the BPF collector: ${m} not found at build time")
	else()
		set(why "built without the BPF collector (MMR_BPF=OFF)")
	endif()
	message(STATUS "BPF collector: off (${why})")
	target_compile_definitions(replay PRIVATE "MMR_BPF_UNAVAILABLE=\"${why}\"")
	return()
endif()
message(STATUS "BPF collector: on (${MMR_BPF_CLANG}, ${MMR_BPFTOOL}, libbpf ${LIBBPF_VERSION})")

if(CMAKE_SYSTEM_PROCESSOR MATCHES "x86_64|amd64")
	set(mmr_bpf_arch x86)
elseif(CMAKE_SYSTEM_PROCESSOR MATCHES "aarch64|arm64")
	set(mmr_bpf_arch arm64)
else()
	set(mmr_bpf_arch ${CMAKE_SYSTEM_PROCESSOR})
endif()

set(bpf_src "${PROJECT_SOURCE_DIR}/libreplay/ingest/bpf")
set(bpf_out "${CMAKE_CURRENT_BINARY_DIR}/bpf")
file(MAKE_DIRECTORY "${bpf_out}")
add_custom_command(OUTPUT "${bpf_out}/vmlinux.h"
	COMMAND sh -c "'${MMR_BPFTOOL}' btf dump file '${MMR_BTF_FILE}' format c > vmlinux.h.tmp && mv vmlinux.h.tmp vmlinux.h"
	WORKING_DIRECTORY "${bpf_out}"
	COMMENT "generating vmlinux.h from ${MMR_BTF_FILE}" VERBATIM)
set(strip_cmd true)
if(MMR_LLVM_STRIP)
	set(strip_cmd "${MMR_LLVM_STRIP}" -g mmtrace.bpf.o)	# DWARF is not needed to load
endif()
add_custom_command(OUTPUT "${bpf_out}/mmtrace.skel.h"
	COMMAND "${MMR_BPF_CLANG}" -g -O2 -Wall -target bpf -D__TARGET_ARCH_${mmr_bpf_arch}
		-I "${bpf_out}" -I "${bpf_src}" ${LIBBPF_CFLAGS}
		-c "${bpf_src}/mmtrace.bpf.c" -o mmtrace.bpf.o
	COMMAND ${strip_cmd}
	COMMAND sh -c "'${MMR_BPFTOOL}' gen skeleton mmtrace.bpf.o name mmtrace > mmtrace.skel.h.tmp && mv mmtrace.skel.h.tmp mmtrace.skel.h"
	DEPENDS "${bpf_src}/mmtrace.bpf.c" "${bpf_src}/mmtrace.h" "${bpf_out}/vmlinux.h"
	WORKING_DIRECTORY "${bpf_out}"
	COMMENT "building the BPF program and its skeleton" VERBATIM)
add_custom_target(mmr_bpf_skel DEPENDS "${bpf_out}/mmtrace.skel.h")
add_dependencies(replay mmr_bpf_skel)
target_include_directories(replay PRIVATE "${bpf_out}")
target_compile_definitions(replay PRIVATE MMR_HAVE_BPF=1)
target_link_libraries(replay PRIVATE PkgConfig::LIBBPF)
