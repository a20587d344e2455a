import type { Cluster, ClusterNode } from "../../workflow/mod.ts";

/**
 * Four nodes on two hosts:
 *
 * | node | host | labels      | functions                                  |
 * | ---- | ---- | ----------- | ------------------------------------------ |
 * | a    | h1   | tier=cloud  | echo, sha256, wordcount, uppercase, gray   |
 * | b    | h1   | tier=edge   | sha256, wordcount, gray                    |
 * | c    | h2   | tier=edge   | wordcount, resize                          |
 * | d    | h2   |             | resize, gray                               |
 */
export const NODES: readonly ClusterNode[] = [
  {
    id: "a",
    hostId: "h1",
    labels: { tier: "cloud" },
    functions: ["echo", "sha256", "wordcount", "uppercase", "gray"],
  },
  {
    id: "b",
    hostId: "h1",
    labels: { tier: "edge" },
    functions: ["sha256", "wordcount", "gray"],
  },
  {
    id: "c",
    hostId: "h2",
    labels: { tier: "edge" },
    functions: ["wordcount", "resize"],
  },
  { id: "d", hostId: "h2", functions: ["resize", "gray"] },
];

/** The four nodes, seen from `local`. */
export function cluster(local = "a", nodes = NODES): Cluster {
  return { localNodeId: local, nodes };
}
