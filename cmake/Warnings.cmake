# One INTERFACE target carries the warning flags; every sondhan target links it.
add_library(sondhan_warnings INTERFACE)
target_compile_options(sondhan_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Werror=return-type)
