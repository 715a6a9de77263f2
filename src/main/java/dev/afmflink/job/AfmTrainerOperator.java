package dev.afmflink.job;

/** Runs {@link AfmTrainer}, writing its write-back buffers to keyed state before every checkpoint barrier and when the input ends. */
public class AfmTrainerOperator extends WriteBackOperator<TrainingExample, Prediction> {

    public AfmTrainerOperator(AfmTrainer trainer) {
        super(trainer);
    }
}
