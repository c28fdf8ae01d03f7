"""Benchmark harness only: the table of a benchmark run in rounds (bench/encoder.sh).

Each round's folder holds bitswitch.json and one JSON file per peer configuration (peer-*.json), one JSON
line each. For every figure named on the command line as BITSWITCH_KEY=PEER_KEY it prints, per round,
bitswitch's figure, the best peer configuration's (the faster of them in that round: a competent user
would pick it) and their ratio, then the median ratio and the range over rounds. The rounds alternate
bitswitch and its peers so that a slow minute of a shared machine falls on both.
Usage: python3 bench/round_ratios.py ROUND_DIR [ROUND_DIR ...] -- KEY=PEER_KEY [KEY=PEER_KEY ...]
"""
import glob
import json
import os
import statistics
import sys


def load(path):
    with open(path) as f:
        return json.loads(f.read().strip().splitlines()[-1])


def main(argv):
    if "--" not in argv:
        sys.exit("usage: round_ratios.py ROUND_DIR [ROUND_DIR ...] -- KEY=PEER_KEY [KEY=PEER_KEY ...]")
    split = argv.index("--")
    rounds, figures = argv[:split], [pair.split("=", 1) for pair in argv[split + 1:]]
    print("| figure (tokens/s) | " + " | ".join(f"round {i + 1}" for i in range(len(rounds))) +
          " | median ratio | range |")
    print("|---" * (len(rounds) + 3) + "|")
    for key, peer_key in figures:
        cells, ratios = [], []
        for folder in rounds:
            ours = load(os.path.join(folder, "bitswitch.json")).get(key)
            peers = [load(p).get(peer_key) for p in sorted(glob.glob(os.path.join(folder, "peer-*.json")))]
            peers = [p for p in peers if p]
            if not ours or not peers:
                cells.append("n/a")
                continue
            ratios.append(ours / max(peers))
            cells.append(f"{ours:,.0f} / {max(peers):,.0f} = {ratios[-1]:.2f}x")
        summary = (f"**{statistics.median(ratios):.2f}x** | {min(ratios):.2f}-{max(ratios):.2f}x" if ratios
                   else "n/a | n/a")
        print(f"| {key} | " + " | ".join(cells) + f" | {summary} |")


if __name__ == "__main__":
    main(sys.argv[1:])
