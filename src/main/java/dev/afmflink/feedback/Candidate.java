package dev.afmflink.feedback;

import dev.afmflink.model.AfmConfig;
import dev.afmflink.model.Loss;
import java.util.List;

/**
 * A named configuration among candidates (docs/feedback.md, "Online choice"): what the job, the
 * offline trainer and the replay bench take. (The job also names state after it, so it allows only
 * letters, digits, '.', '_' and '-': {@code job.TrainerSettings}.)
 */
public record Candidate(String name, AfmConfig config) implements java.io.Serializable {

    /**
     * The loss of a group to choose among — two or more candidates, one loss for all (they are
     * judged on the same labels) — or an {@link IllegalArgumentException} saying which rule fails.
     */
    public static Loss lossOf(List<Candidate> group) {
        if (group.size() < 2) {
            throw new IllegalArgumentException("the choice needs two candidates or more");
        }
        Loss loss = group.get(0).config().loss();
        for (Candidate c : group) {
            if (c.config().loss() != loss) {
                throw new IllegalArgumentException("candidates judge the same labels: one loss for all (" + c.name() + ": "
                        + c.config().loss().id() + ", " + group.get(0).name() + ": " + loss.id() + ")");
            }
        }
        return loss;
    }
}
