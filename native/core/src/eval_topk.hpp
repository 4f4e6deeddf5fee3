// Internal to the evaluator: the per-user bounded top-K and the mask cursors it consults.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdint>

#include "recforge/csr.hpp"

namespace rf::eval {

struct Candidate {
  float score;
  int32_t item;
};

// The ranking order: higher score first, then lower item id (so ties are deterministic).
inline bool better(const Candidate& a, const Candidate& b) {
  return a.score > b.score || (a.score == b.score && a.item < b.item);
}

// `better` as a function object, so the std algorithms inline it (a function pointer is not).
struct Better {
  bool operator()(const Candidate& a, const Candidate& b) const { return better(a, b); }
};

// Membership test over one sorted CSR row for non-decreasing queries: amortized O(1) per query,
// because the top-K is offered items in ascending id order.
class RowCursor {
 public:
  RowCursor() = default;
  RowCursor(const Csr* a, int32_t row) {
    if (a) p_ = a->rowBegin(row), end_ = a->rowEnd(row);
  }
  // A sorted id list [begin, end) instead of a CSR row.
  RowCursor(const int32_t* begin, const int32_t* end) : p_(begin), end_(end) {}
  bool contains(int32_t x) {
    while (p_ != end_ && *p_ < x) ++p_;
    return p_ != end_ && *p_ == x;
  }

 private:
  const int32_t* p_ = nullptr;
  const int32_t* end_ = nullptr;
};

// Keeps the best `capacity` unmasked items of one user. Items must be offered in ascending id
// order: then a newcomer that only ties the current worst always loses (its id is higher), which
// is why admission is the strict `score > threshold()`.
class TopK {
 public:
  // excluded: optional per-item flags (non-zero = never kept), shared by every user.
  void reset(Candidate* storage, int capacity, RowCursor mask, RowCursor extra, const uint8_t* excluded = nullptr) {
    heap_ = storage, cap_ = capacity, size_ = 0, mask_ = mask, extra_ = extra, excluded_ = excluded;
  }
  bool full() const { return size_ == cap_; }
  // Valid when full(): the score an item must beat to enter.
  float threshold() const { return heap_[0].score; }

  void offer(float score, int32_t item) {
    if (score != score) score = -INFINITY;  // NaN ranks like -inf and keeps the order strict-weak
    if (full() && !(score > threshold())) return;
    if (mask_.contains(item) || extra_.contains(item) || (excluded_ && excluded_[item])) return;
    // std heap with `better` as "less": the top is the worst kept candidate. A newcomer replaces
    // the top and sifts down (one pass of log K steps rather than pop_heap + push_heap); the kept
    // set does not depend on the heap's layout, since the order is total.
    if (!full()) {
      heap_[size_++] = {score, item};
      std::push_heap(heap_, heap_ + size_, Better{});
      return;
    }
    const Candidate x{score, item};
    int i = 0;
    for (;;) {
      int c = 2 * i + 1;
      if (c >= size_) break;
      if (c + 1 < size_ && better(heap_[c], heap_[c + 1])) ++c;  // the worse child
      if (!better(x, heap_[c])) break;
      heap_[i] = heap_[c];
      i = c;
    }
    heap_[i] = x;
  }

  // Sorts the kept candidates best first (destroys the heap); returns how many there are, which
  // is less than the capacity only when the user has fewer unmasked items.
  int finish() {
    std::sort_heap(heap_, heap_ + size_, Better{});
    return size_;
  }
  const Candidate* ranked() const { return heap_; }

 private:
  Candidate* heap_ = nullptr;
  int cap_ = 0;
  int size_ = 0;
  RowCursor mask_, extra_;
  const uint8_t* excluded_ = nullptr;
};

// Offers one user's tile row (items itemBegin..itemBegin+n-1, ascending) to its top-K.
void offerRow(TopK& top, const float* row, int n, int32_t itemBegin);

}  // namespace rf::eval
