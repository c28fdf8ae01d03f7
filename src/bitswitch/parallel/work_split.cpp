// Shares of items per rank and the broadcasts that give every rank all results (work_split.h).
#include "bitswitch/parallel/work_split.h"

#include <algorithm>

#include <fmt/format.h>

#include "bitswitch/core/error.h"

namespace bitswitch::parallel {
namespace {

void check_owners(size_t items, const std::vector<int>& owners, int world_size) {
    if (owners.size() != items)
        throw Error(fmt::format("work split: {} owners for {} items", owners.size(), items));
    for (const int owner : owners) {
        if (owner < 0 || owner >= world_size)
            throw Error(fmt::format("work split: owner rank {} outside a world of {}", owner, world_size));
    }
}

}  // namespace

std::pair<size_t, size_t> rank_share(size_t n, int rank, int world_size) {
    const auto begin_of = [&](int r) { return n * size_t(r) / size_t(world_size); };
    return {begin_of(rank), begin_of(rank + 1)};
}

std::vector<int> contiguous_owners(size_t n, int world_size) {
    std::vector<int> owners(n);
    for (int rank = 0; rank < world_size; ++rank) {
        const auto [first, last] = rank_share(n, rank, world_size);
        std::fill(owners.begin() + int64_t(first), owners.begin() + int64_t(last), rank);
    }
    return owners;
}

void share_rows(DataParallel& group, std::vector<double>& rows, size_t width,
                const std::vector<int>& owners) {
    check_owners(width == 0 ? owners.size() : rows.size() / width, owners, group.world_size());
    if (width == 0) return;
    // Every rank knows the owners, so each packs (or expects) the same rows in the same order.
    for (int owner = 0; owner < group.world_size(); ++owner) {
        std::vector<double> packed;
        for (size_t i = 0; i < owners.size(); ++i) {
            if (owners[i] == owner)
                packed.insert(packed.end(), rows.begin() + int64_t(i * width),
                              rows.begin() + int64_t((i + 1) * width));
        }
        if (packed.empty()) continue;
        group.broadcast(packed, owner);
        auto next = packed.begin();
        for (size_t i = 0; i < owners.size(); ++i) {
            if (owners[i] != owner) continue;
            std::copy_n(next, width, rows.begin() + int64_t(i * width));
            next += int64_t(width);
        }
    }
}

void share_items(DataParallel& group, std::vector<std::vector<double>>& items, size_t width) {
    std::vector<double> rows(items.size() * width, 0.0);
    for (size_t i = 0; i < items.size(); ++i) {
        items[i].resize(width);
        std::copy(items[i].begin(), items[i].end(), rows.begin() + int64_t(i * width));
    }
    share_rows(group, rows, width, contiguous_owners(items.size(), group.world_size()));
    for (size_t i = 0; i < items.size(); ++i)
        std::copy_n(rows.begin() + int64_t(i * width), width, items[i].begin());
}

void share_texts(DataParallel& group, std::vector<std::string>& texts, const std::vector<int>& owners) {
    check_owners(texts.size(), owners, group.world_size());
    std::vector<double> lengths(texts.size(), 0.0);
    for (size_t i = 0; i < texts.size(); ++i) {
        if (owners[i] == group.rank()) lengths[i] = double(texts[i].size());
    }
    share_rows(group, lengths, 1, owners);
    for (int owner = 0; owner < group.world_size(); ++owner) {
        std::string packed;
        for (size_t i = 0; i < texts.size(); ++i) {
            if (owners[i] == owner) packed += texts[i];
        }
        size_t total = 0;
        for (size_t i = 0; i < texts.size(); ++i) total += owners[i] == owner ? size_t(lengths[i]) : 0;
        if (total == 0) continue;
        packed.resize(total);
        group.broadcast(packed, owner);
        size_t at = 0;
        for (size_t i = 0; i < texts.size(); ++i) {
            if (owners[i] != owner) continue;
            texts[i] = packed.substr(at, size_t(lengths[i]));
            at += size_t(lengths[i]);
        }
    }
}

}  // namespace bitswitch::parallel
