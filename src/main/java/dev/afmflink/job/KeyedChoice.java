package dev.afmflink.job;

import dev.afmflink.feedback.LeaderChoice;
import org.apache.flink.api.common.functions.RuntimeContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;

/**
 * The trainer's candidate group of the key in hand (docs/feedback.md, "Online choice"): its
 * {@link CandidateGroup} in keyed state, read once per call ({@link #enter}) and written back when the
 * call changed it ({@link #leave}); the {@link LeaderChoice} the group holds, and the key's snapshot
 * chain that the leader of the moment continues ({@link #lend}, {@link #took}).
 */
final class KeyedChoice {
    private final ValueState<CandidateGroup> state;
    private final int candidates;
    private final LeaderChoice.Rule rule;
    /** The key in hand's group and choice, and whether this call changed them: scratch, not state. */
    private CandidateGroup group;
    private LeaderChoice choice;
    private boolean changed;

    KeyedChoice(RuntimeContext ctx, int candidates, LeaderChoice.Rule rule) {
        this.state = ctx.getState(new ValueStateDescriptor<>("candidate-group", TypeInformation.of(CandidateGroup.class)));
        this.candidates = candidates;
        this.rule = rule;
    }

    /** The key in hand's group (the keyed-state context being its key). */
    void enter() throws Exception {
        group = state.value();
        if (group == null) {
            group = new CandidateGroup();
            choice = new LeaderChoice(candidates, rule);
            changed = true;
        } else if (group.choice.lossSums.length == candidates * rule.windows()) {
            choice = LeaderChoice.restore(candidates, rule, group.choice);
        } else {
            // restored with another number of candidates or another rule: the choice starts again, the key's chain goes
            // on from a full snapshot of the new first leader
            choice = new LeaderChoice(candidates, rule);
            group.publishedBy = -1;
            changed = true;
        }
    }

    /** The group back to state if this call changed it. */
    void leave() throws Exception {
        if (changed) {
            changed = false;
            group.choice = choice.state();
            state.update(group);
        }
    }

    int leader() {
        return choice.leader();
    }

    /** Candidate {@code index} closed a window of {@code n} examples and loss sum {@code lossSum}: the switch it caused, or null. */
    LeaderChoice.Switch closed(int index, long start, long n, double lossSum) {
        changed = true;
        return choice.closed(index, start, n, lossSum);
    }

    /**
     * Before candidate {@code index} (the leader) publishes: the key's chain (version, digest, deltas
     * since the last full) into its publish state; true if its snapshot must be a full one (another
     * candidate published the key's last version).
     */
    boolean lend(PublishState ps, int index) {
        ps.version = group.version;
        ps.lastDigest = group.lastDigest;
        ps.deltasSinceFull = group.deltasSinceFull;
        return group.publishedBy != index;
    }

    /** After candidate {@code index} published, or tried to: the chain as it left it, if a version went out. */
    void took(PublishState ps, int index) {
        if (ps.version != group.version) {
            changed = true;
            group.version = ps.version;
            group.lastDigest = ps.lastDigest;
            group.deltasSinceFull = ps.deltasSinceFull;
            group.publishedBy = index;
        }
    }
}
