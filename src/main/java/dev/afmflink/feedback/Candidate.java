package dev.afmflink.feedback;

import dev.afmflink.model.AfmConfig;

/**
 * A named configuration among candidates (docs/feedback.md, "Online choice"): what the job, the
 * offline trainer and the replay bench take. (The job also names state after it, so it allows only
 * letters, digits, '.', '_' and '-': {@code job.TrainerSettings}.)
 */
public record Candidate(String name, AfmConfig config) implements java.io.Serializable {
}
