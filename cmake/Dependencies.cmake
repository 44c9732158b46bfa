# Finds every third-party dependency (all Debian packages, see scripts/install-deps.sh) and
# exposes each as an imported target, so that targets link by name and never by path.
find_package(PkgConfig REQUIRED)
find_package(Threads REQUIRED)

# Xapian ships variables, not a target: wrap them.
find_package(xapian REQUIRED CONFIG)
if(NOT TARGET Xapian::xapian)
  add_library(Xapian::xapian INTERFACE IMPORTED)
  set_target_properties(Xapian::xapian PROPERTIES
    INTERFACE_INCLUDE_DIRECTORIES "${XAPIAN_INCLUDE_DIR}"
    INTERFACE_LINK_LIBRARIES "${XAPIAN_LIBRARIES}")
endif()

find_package(ICU 70 REQUIRED COMPONENTS uc i18n data)

# Debian builds cpp-httplib as a shared library with OpenSSL, zlib and brotli support.
pkg_check_modules(HTTPLIB REQUIRED IMPORTED_TARGET cpp-httplib>=0.11)
find_package(ZLIB REQUIRED)
pkg_check_modules(ZSTD REQUIRED IMPORTED_TARGET libzstd>=1.4)

# jemalloc replaces glibc's malloc in the programs (not the libraries): Xapian's write path and
# matcher allocate many small tree nodes, and indexing measured about a quarter faster with it.
# Sanitizer builds keep the sanitizer's own allocator. Programs link sondhan_malloc.
add_library(sondhan_malloc INTERFACE)
if(NOT SONDHAN_SANITIZE)
  pkg_check_modules(JEMALLOC REQUIRED IMPORTED_TARGET jemalloc)
  target_link_libraries(sondhan_malloc INTERFACE PkgConfig::JEMALLOC)
endif()

find_package(spdlog REQUIRED CONFIG)
find_package(nlohmann_json 3.10 REQUIRED CONFIG)
find_package(simdjson REQUIRED CONFIG)
find_package(toml11 REQUIRED CONFIG)
find_package(CLI11 REQUIRED CONFIG)

if(SONDHAN_BUILD_TESTS)
  find_package(Catch2 2 REQUIRED CONFIG)
endif()
if(SONDHAN_BUILD_BENCHMARKS)
  find_package(benchmark REQUIRED CONFIG)
endif()
