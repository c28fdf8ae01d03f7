// Work split across the ranks of a torchrun launch (analyses and attacks; training splits its batch in
// train/): which items a rank computes, and how every rank then gets every other rank's results. Results
// travel as fixed-width rows of doubles (scores, logits) or as text (an attack's edits), one broadcast per
// rank that owns any, over the c10d group of process_group.h.
#pragma once

#include <cstddef>
#include <string>
#include <utility>
#include <vector>

#include "bitswitch/parallel/process_group.h"

namespace bitswitch::parallel {

/// Items [first, last) of n that `rank` of `world_size` takes: contiguous, sizes differing by at most one.
std::pair<size_t, size_t> rank_share(size_t n, int rank, int world_size);

/// The rank of rank_share that holds each of n items.
std::vector<int> contiguous_owners(size_t n, int world_size);

/// `rows` holds owners.size() rows of `width` values; row i is filled on rank owners[i]. Afterwards every
/// rank holds every row.
void share_rows(DataParallel& group, std::vector<double>& rows, size_t width, const std::vector<int>& owners);

/// share_rows for rows kept as vectors (resized to `width`), owned by rank_share.
void share_items(DataParallel& group, std::vector<std::vector<double>>& items, size_t width);

/// texts[i] is filled on rank owners[i]; afterwards every rank holds every text.
void share_texts(DataParallel& group, std::vector<std::string>& texts, const std::vector<int>& owners);

}  // namespace bitswitch::parallel
