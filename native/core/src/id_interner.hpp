// Maps arbitrary string ids to dense ids in first-seen order (internal to the core).
#pragma once
#include <cstdint>
#include <deque>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "recforge/error.hpp"
#include "recforge/parse.hpp"

namespace rf {

class IdInterner {
 public:
  // `key` must stay valid while the interner lives (a slice of the input buffer); use
  // internOwned for values built on the fly (unescaped quoted fields).
  int32_t intern(std::string_view key) {
    auto it = ids_.find(key);
    if (it != ids_.end()) return it->second;
    if (static_cast<int64_t>(names_.size()) > kMaxId) fail(code::kOutOfRange, "more than 2^31 - 1 distinct ids");
    const auto id = static_cast<int32_t>(names_.size());
    ids_.emplace(key, id);
    names_.push_back(key);
    return id;
  }
  int32_t internOwned(std::string value) {
    auto it = ids_.find(value);
    if (it != ids_.end()) return it->second;
    owned_.push_back(std::move(value));  // deque: earlier strings never move
    return intern(owned_.back());
  }
  int32_t size() const { return static_cast<int32_t>(names_.size()); }
  std::vector<std::string> names() const { return {names_.begin(), names_.end()}; }

 private:
  std::unordered_map<std::string_view, int32_t> ids_;
  std::vector<std::string_view> names_;
  std::deque<std::string> owned_;
};

}  // namespace rf
