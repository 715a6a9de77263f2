package dev.afmflink.feedback;

import dev.afmflink.data.Event;
import dev.afmflink.model.AfmModel;
import java.util.List;

/** The job's training of one model key in plain Java, driven event by event: with one trainer or several. */
public interface Replay {
    /** One decoded event of the model, as the job would see it next. */
    void accept(Event e);

    /** Event time {@code ts} seen on the input (by this model's event or another key's): the watermark may move. */
    void advanceTo(long ts);

    /** The input ends. */
    void end();

    /** The model the job publishes. */
    AfmModel model();

    /** The judged impressions and examples. */
    List<FeedbackReplay.Judged> judged();
}
