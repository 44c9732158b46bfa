#include "word_positions.h"

#include <algorithm>
#include <zlib.h>

#include "sondhan/core/schema.h"

namespace sondhan::core {
namespace {

constexpr unsigned char kFormat = 1;
constexpr uint32_t kKeyBits = 20;
constexpr uint32_t kSkipOne = 0;
constexpr uint32_t kSkipMany = 1;
constexpr uint32_t kSamePosition = 2;
constexpr uint32_t kFirstWord = 3;

void put_varint(uint64_t v, std::string* out) {
  while (v >= 0x80) {
    out->push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out->push_back(static_cast<char>(v));
}

// False at the end of `in` or on a malformed number.
bool get_varint(std::string_view* in, uint64_t* v) {
  *v = 0;
  for (unsigned shift = 0; shift < 64 && !in->empty(); shift += 7) {
    const auto byte = static_cast<unsigned char>(in->front());
    in->remove_prefix(1);
    *v |= static_cast<uint64_t>(byte & 0x7f) << shift;
    if ((byte & 0x80) == 0) return true;
  }
  return false;
}

bool get_small(std::string_view* in, uint32_t* v) {
  uint64_t wide = 0;
  if (!get_varint(in, &wide) || wide > UINT32_MAX) return false;
  *v = static_cast<uint32_t>(wide);
  return true;
}

void put_code(uint32_t code, unsigned width, std::string* out) {
  out->push_back(static_cast<char>(code & 0xff));
  if (width == 2) out->push_back(static_cast<char>(code >> 8));
}

}  // namespace

uint32_t position_key(std::string_view term) {
  const auto crc = crc32(0L, reinterpret_cast<const Bytef*>(term.data()), static_cast<uInt>(term.size()));
  return static_cast<uint32_t>(crc) & ((1u << kKeyBits) - 1);
}

int text_field_number(std::string_view prefix) {
  if (prefix.empty()) return kAnyField;
  int number = 0;
  for (const Field& field : schema()) {
    if (field.kind != FieldKind::kText) continue;
    if (field.prefix == prefix) return number;
    ++number;
  }
  return kAnyField;
}

void PositionsWriter::add(std::string_view term, Xapian::termpos position) {
  const std::pair<Xapian::termpos, uint32_t> word(position, position_key(term));
  if (words_.empty() || words_.back() != word) words_.push_back(word);
}

void PositionsWriter::end_field(Xapian::termpos end) { field_ends_.push_back(end); }

std::string PositionsWriter::finish() {
  if (words_.empty()) return {};
  std::vector<uint32_t> keys;
  keys.reserve(words_.size());
  for (const auto& word : words_) keys.push_back(word.second);
  std::sort(keys.begin(), keys.end());
  keys.erase(std::unique(keys.begin(), keys.end()), keys.end());

  std::string out;
  out.reserve(16 + keys.size() * 2 + words_.size() + words_.size() / 4);
  out.push_back(static_cast<char>(kFormat));
  put_varint(field_ends_.size(), &out);
  Xapian::termpos previous_end = 0;
  for (const Xapian::termpos end : field_ends_) {
    put_varint(end - std::min(end, previous_end), &out);
    previous_end = std::max(end, previous_end);
  }
  put_varint(keys.size(), &out);
  uint32_t previous_key = 0;
  for (const uint32_t key : keys) {
    put_varint(key - previous_key, &out);
    previous_key = key;
  }
  const unsigned width = keys.size() + kFirstWord <= 256 ? 1 : 2;
  out.push_back(static_cast<char>(width));
  Xapian::termpos next = 1;  // the position the next word takes unless told otherwise
  for (const auto& [position, key] : words_) {
    if (position + 1 == next) {
      put_code(kSamePosition, width, &out);
    } else if (position == next + 1) {
      put_code(kSkipOne, width, &out);
    } else if (position > next) {
      put_code(kSkipMany, width, &out);
      put_varint(position - next, &out);
    }
    const auto index = static_cast<uint32_t>(std::lower_bound(keys.begin(), keys.end(), key) - keys.begin());
    put_code(kFirstWord + index, width, &out);
    next = position + 1;
  }
  words_.clear();
  field_ends_.clear();
  return out;
}

bool PositionsReader::parse(std::string_view value) {
  keys_.clear();
  field_ends_.clear();
  codes_ = {};
  if (value.empty() || static_cast<unsigned char>(value.front()) != kFormat) return false;
  value.remove_prefix(1);
  uint32_t fields = 0;
  if (!get_small(&value, &fields) || fields > value.size()) return false;
  Xapian::termpos end = 0;
  for (uint32_t i = 0; i < fields; ++i) {
    uint32_t delta = 0;
    if (!get_small(&value, &delta)) return false;
    end += delta;
    field_ends_.push_back(end);
  }
  uint32_t count = 0;
  if (!get_small(&value, &count) || count > value.size()) return false;
  keys_.reserve(count);
  uint32_t key = 0;
  for (uint32_t i = 0; i < count; ++i) {
    uint32_t delta = 0;
    if (!get_small(&value, &delta)) return false;
    key += delta;
    keys_.push_back(key);
  }
  if (value.empty()) return false;
  width_ = static_cast<unsigned char>(value.front());
  if (width_ != 1 && width_ != 2) return false;
  value.remove_prefix(1);
  codes_ = value;
  return true;
}

void PositionsReader::positions(const std::vector<uint32_t>& keys, int field,
                                std::vector<std::vector<Xapian::termpos>>* out) const {
  out->assign(keys.size(), {});
  // Which of `keys` each word index is (most documents have none of them for most indexes).
  constexpr uint32_t kNone = UINT32_MAX;
  std::vector<uint32_t> wanted;  // word index -> first entry of `keys` with it (or kNone)
  bool any = false;
  for (size_t k = 0; k < keys.size(); ++k) {
    const auto it = std::lower_bound(keys_.begin(), keys_.end(), keys[k]);
    if (it == keys_.end() || *it != keys[k]) continue;
    if (wanted.empty()) wanted.assign(keys_.size(), kNone);
    const auto index = static_cast<size_t>(it - keys_.begin());
    if (wanted[index] == kNone) wanted[index] = static_cast<uint32_t>(k);
    any = true;
  }
  if (!any) return;
  Xapian::termpos low = 0;
  Xapian::termpos high = UINT32_MAX;
  if (field != kAnyField) {
    if (static_cast<size_t>(field) >= field_ends_.size()) return;
    low = field == 0 ? 0 : field_ends_[static_cast<size_t>(field) - 1];
    high = field_ends_[static_cast<size_t>(field)];
  }
  std::string_view in = codes_;
  Xapian::termpos next = 1;
  while (in.size() >= width_) {
    uint32_t code = static_cast<unsigned char>(in[0]);
    if (width_ == 2) code |= static_cast<uint32_t>(static_cast<unsigned char>(in[1])) << 8;
    in.remove_prefix(width_);
    if (code == kSkipOne) {
      ++next;
    } else if (code == kSkipMany) {
      uint32_t k = 0;
      if (!get_small(&in, &k)) return;
      next += k;
    } else if (code == kSamePosition) {
      if (next > 1) --next;
    } else {
      const Xapian::termpos position = next++;
      if (position >= high) break;
      const uint32_t index = code - kFirstWord;
      if (index >= wanted.size() || wanted[index] == kNone || position < low) continue;
      // Every entry of `keys` with this key gets the position (a phrase may repeat a word).
      for (size_t k = wanted[index]; k < keys.size(); ++k) {
        if (keys[k] == keys[wanted[index]]) (*out)[k].push_back(position);
      }
    }
  }
}

bool in_order_within(const std::vector<std::vector<Xapian::termpos>>& positions, Xapian::termpos window) {
  if (positions.empty()) return false;
  for (const auto& list : positions) {
    if (list.empty()) return false;
  }
  for (const Xapian::termpos first : positions[0]) {
    // Each next word at its first position after the previous one: the tightest fit from `first`.
    Xapian::termpos last = first;
    for (size_t i = 1; i < positions.size(); ++i) {
      const auto& list = positions[i];
      const auto it = std::upper_bound(list.begin(), list.end(), last);
      if (it == list.end()) return false;  // no later start can do better
      last = *it;
    }
    if (last - first < window) return true;
  }
  return false;
}

namespace {

// Whether lists `from`... can each take a distinct position in [low, high], none in `taken`.
bool assign(const std::vector<std::vector<Xapian::termpos>>& positions, size_t from, Xapian::termpos low,
            Xapian::termpos high, std::vector<Xapian::termpos>* taken) {
  if (from == positions.size()) return true;
  const auto& list = positions[from];
  for (auto it = std::lower_bound(list.begin(), list.end(), low); it != list.end() && *it <= high; ++it) {
    if (std::find(taken->begin(), taken->end(), *it) != taken->end()) continue;
    taken->push_back(*it);
    if (assign(positions, from + 1, low, high, taken)) return true;
    taken->pop_back();
  }
  return false;
}

}  // namespace

bool near_within(const std::vector<std::vector<Xapian::termpos>>& positions, Xapian::termpos window) {
  if (positions.empty() || window == 0) return false;
  for (const auto& list : positions) {
    if (list.empty()) return false;
  }
  // Every fit starts at some list's position: try each as the lowest of the window.
  std::vector<Xapian::termpos> starts;
  for (const auto& list : positions) starts.insert(starts.end(), list.begin(), list.end());
  std::sort(starts.begin(), starts.end());
  starts.erase(std::unique(starts.begin(), starts.end()), starts.end());
  std::vector<Xapian::termpos> taken;
  for (const Xapian::termpos low : starts) {
    taken.clear();
    if (assign(positions, 0, low, low + window - 1, &taken)) return true;
  }
  return false;
}

}  // namespace sondhan::core
