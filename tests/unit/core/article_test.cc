#include <catch2/catch.hpp>

#include "sondhan/core/article.h"

using sondhan::core::parse_iso_date;

TEST_CASE("ISO dates and date-times parse, impossible ones do not", "[core]") {
  auto d = parse_iso_date("2025-08-13");
  REQUIRE(d);
  CHECK(d->year == 2025);
  CHECK(d->epoch_seconds == 1755043200);
  auto t = parse_iso_date("2025-08-13T06:00:00+06:00");
  REQUIRE(t);
  CHECK(t->epoch_seconds == 1755043200);  // the same instant as midnight UTC
  CHECK(parse_iso_date("2025-08-13T00:00Z"));
  CHECK(parse_iso_date("2025-08-13T00:00:00.123Z"));
  CHECK(parse_iso_date("2024-02-29"));
  CHECK_FALSE(parse_iso_date("2023-02-29"));
  CHECK_FALSE(parse_iso_date("13/05/2023"));
  CHECK_FALSE(parse_iso_date("2023-05-14T25:00"));
  CHECK_FALSE(parse_iso_date("2023-05-14junk"));
  CHECK_FALSE(parse_iso_date(""));
}
