// ISO 8601 date parsing for article dates, and field access by name.
#include "sondhan/core/article.h"

#include <cctype>
#include <chrono>
#include <cstdio>

namespace sondhan::core {
namespace {

// Reads exactly `n` digits at *pos.
bool read_digits(const std::string& s, size_t* pos, int n, int* out) {
  if (*pos + static_cast<size_t>(n) > s.size()) return false;
  int value = 0;
  for (int i = 0; i < n; ++i) {
    const char c = s[*pos + static_cast<size_t>(i)];
    if (c < '0' || c > '9') return false;
    value = value * 10 + (c - '0');
  }
  *pos += static_cast<size_t>(n);
  *out = value;
  return true;
}

bool expect(const std::string& s, size_t* pos, char c) {
  if (*pos < s.size() && s[*pos] == c) {
    ++*pos;
    return true;
  }
  return false;
}

}  // namespace

std::string ArticleDate::ymd() const {
  char buffer[16];
  std::snprintf(buffer, sizeof buffer, "%04d%02d%02d", year, month, day);
  return buffer;
}

const std::string& Article::text(std::string_view name) const {
  static const std::string kNone;
  const auto& v = values_of(name);
  return v.empty() ? kNone : v.front();
}

std::vector<std::string>& Article::values_of(std::string_view name) { return values[field_index(*find_field(name))]; }

const std::vector<std::string>& Article::values_of(std::string_view name) const {
  return values[field_index(*find_field(name))];
}

std::optional<ArticleDate> parse_iso_date(const std::string& text) {
  ArticleDate d;
  size_t pos = 0;
  if (!read_digits(text, &pos, 4, &d.year) || !expect(text, &pos, '-') ||
      !read_digits(text, &pos, 2, &d.month) || !expect(text, &pos, '-') ||
      !read_digits(text, &pos, 2, &d.day)) {
    return std::nullopt;
  }
  using namespace std::chrono;
  const year_month_day ymd{year{d.year}, month{static_cast<unsigned>(d.month)},
                           day{static_cast<unsigned>(d.day)}};
  if (!ymd.ok() || d.year < 1000) return std::nullopt;

  int hour = 0, minute = 0, second = 0, offset_minutes = 0;
  if (pos < text.size()) {
    if (text[pos] != 'T' && text[pos] != 't' && text[pos] != ' ') return std::nullopt;
    ++pos;
    if (!read_digits(text, &pos, 2, &hour) || !expect(text, &pos, ':') ||
        !read_digits(text, &pos, 2, &minute)) {
      return std::nullopt;
    }
    if (expect(text, &pos, ':')) {
      if (!read_digits(text, &pos, 2, &second)) return std::nullopt;
      if (expect(text, &pos, '.') || expect(text, &pos, ',')) {
        const size_t start = pos;
        while (pos < text.size() && std::isdigit(static_cast<unsigned char>(text[pos]))) ++pos;
        if (pos == start) return std::nullopt;
      }
    }
    if (hour > 23 || minute > 59 || second > 60) return std::nullopt;
    if (pos < text.size()) {
      const char zone = text[pos++];
      if (zone == 'Z' || zone == 'z') {
        // UTC
      } else if (zone == '+' || zone == '-') {
        int zh = 0, zm = 0;
        if (!read_digits(text, &pos, 2, &zh)) return std::nullopt;
        expect(text, &pos, ':');
        if (!read_digits(text, &pos, 2, &zm) || zh > 23 || zm > 59) return std::nullopt;
        offset_minutes = (zh * 60 + zm) * (zone == '+' ? 1 : -1);
      } else {
        return std::nullopt;
      }
    }
  }
  if (pos != text.size()) return std::nullopt;

  const auto days = sys_days(ymd).time_since_epoch().count();
  d.epoch_seconds = static_cast<int64_t>(days) * 86400 + hour * 3600 + minute * 60 + second -
                    offset_minutes * 60;
  d.iso = text;
  return d;
}

}  // namespace sondhan::core
