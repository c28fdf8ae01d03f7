// Work split: the shares are contiguous and cover every item once; shared rows and texts reach every rank
// unchanged (two ranks as two threads of this process, over loopback gloo).
#include "bitswitch/parallel/work_split.h"

#include <gtest/gtest.h>

#include <unistd.h>
#include <functional>
#include <thread>

namespace bitswitch::parallel {
namespace {

TEST(WorkSplit, SharesAreContiguousAndDifferByAtMostOne) {
    EXPECT_EQ(rank_share(5, 0, 2), (std::pair<size_t, size_t>{0, 2}));
    EXPECT_EQ(rank_share(5, 1, 2), (std::pair<size_t, size_t>{2, 5}));
    EXPECT_EQ(rank_share(2, 2, 3), (std::pair<size_t, size_t>{1, 2}));
    EXPECT_EQ(rank_share(2, 0, 3), (std::pair<size_t, size_t>{0, 0}));
    EXPECT_EQ(contiguous_owners(5, 2), (std::vector<int>{0, 0, 1, 1, 1}));
    EXPECT_EQ(contiguous_owners(2, 3), (std::vector<int>{1, 2}));
}

// Runs body(group) on ranks 0 and 1 at once.
void on_two_ranks(int port_offset, const std::function<void(DataParallel&)>& body) {
    const auto run = [&](int rank) {
        DistributedEnv env;
        env.rank        = rank;
        env.world_size  = 2;
        env.master_port = 30000 + int(getpid() % 20000) + port_offset;
        DataParallel group(env, std::chrono::seconds(30));
        body(group);
    };
    std::thread other(run, 1);
    run(0);
    other.join();
}

TEST(WorkSplit, EveryRankGetsEveryOwnersRows) {
    const std::vector<int> owners{1, 0, 1, 1};  // interleaved, as batches of an attack are
    std::vector<std::vector<double>> seen(2);
    on_two_ranks(0, [&](DataParallel& group) {
        std::vector<double> rows(8, -1.0);
        for (size_t i = 0; i < owners.size(); ++i) {
            if (owners[i] == group.rank()) rows[2 * i] = double(i), rows[2 * i + 1] = 10.0 * double(i);
        }
        share_rows(group, rows, 2, owners);
        seen[size_t(group.rank())] = rows;
    });
    const std::vector<double> expected{0, 0, 1, 10, 2, 20, 3, 30};
    EXPECT_EQ(seen[0], expected);
    EXPECT_EQ(seen[1], expected);
}

TEST(WorkSplit, EveryRankGetsEveryOwnersTexts) {
    const std::vector<int> owners{0, 1, 1, 0};
    const std::vector<std::string> texts{"{\"a\": 1}", "", "naïve café", "x"};
    std::vector<std::vector<std::string>> seen(2);
    on_two_ranks(1, [&](DataParallel& group) {
        std::vector<std::string> mine(texts.size(), "garbage from another rank");
        for (size_t i = 0; i < texts.size(); ++i) {
            if (owners[i] == group.rank()) mine[i] = texts[i];
        }
        share_texts(group, mine, owners);
        seen[size_t(group.rank())] = mine;
    });
    EXPECT_EQ(seen[0], texts);
    EXPECT_EQ(seen[1], texts);
}

}  // namespace
}  // namespace bitswitch::parallel
