package dev.afmflink.job;

import dev.afmflink.feedback.LeaderChoice;

/**
 * Keyed state of a model key that trains candidates (docs/feedback.md, "Online choice"): the
 * choice among them, and the key's snapshot chain, which the leader of the moment continues (a full
 * snapshot when the leader is not the one that published last). A Flink POJO.
 */
public class CandidateGroup {
    public LeaderChoice.State choice;
    /** The key's last published version, the digest it ends with, deltas since its last full snapshot. */
    public long version;
    public int deltasSinceFull;
    public String lastDigest;
    /** The candidate that published the key's last version (−1: none yet). */
    public int publishedBy = -1;

    public CandidateGroup() {
    }
}
